"""The look for a lost create has one deadline, shared by all its list reads and waits: a list
that answers too slowly to finish looking ends it with CreateUnresolved (never a second create),
and the deadline comes from the settings, never shorter than the settle window."""

from __future__ import annotations

import asyncio
import time

import pytest

from helpers import IN_PROCESS_BASE, in_process_ark, text_task
from storyfilm.ark.client import ArkClient
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.lost_create import LostCreates
from storyfilm.errors import CreateUnresolved, UsageError
from storyfilm.localark.embedded import LOCAL_KEY
from storyfilm.settings import Settings


def test_a_list_too_slow_to_finish_looking_ends_the_look_at_its_deadline() -> None:
    """Each list answers after 0.5 s and the look may take 0.8 s: the first look is answered
    (no task), the second is cut by the deadline."""
    async def main():
        async with in_process_ark(faults="slow@list=1,delay=0.5") as (ark, http):
            client = ArkClient(IN_PROCESS_BASE, LOCAL_KEY, http=http)
            doubt = LostCreates(settle=0.3, look_every=0.1, deadline=0.8)
            with pytest.raises(CreateUnresolved) as lost:
                await doubt.resolve(client.list, Fingerprint.of(text_task()), time.time(), set,
                                    why="a test's lost create")
            return str(lost.value), dict(ark.stats)

    message, stats = asyncio.run(main())
    assert message == (
        "create sent but unanswered (a test's lost create); looked for its task on the service for 0.8 s, the "
        "deadline for that (STORYFILM_LOST_CREATE_DEADLINE), and the task list answered 1 time without it, too "
        "slowly to finish looking. The task may exist and be paid for: check the tasks on the service (its task "
        "list, or a gateway's console) before creating again; `storyfilm film` run again looks for it first and "
        "creates it only when the service shows none.")
    assert stats["list"] == 2 and "create" not in stats


@pytest.mark.parametrize(("settle", "deadline", "budget"), [(None, None, 32.0), ("60", None, 80.0),
                                                            (None, "40", 40.0), ("0", "0.5", 0.5)])
def test_the_deadline_comes_from_the_settings(settle, deadline, budget) -> None:
    env = {k: v for k, v in (("STORYFILM_SETTLE", settle), ("STORYFILM_LOST_CREATE_DEADLINE", deadline)) if v}
    assert LostCreates.from_settings(Settings.from_env(env)).budget == budget


def test_a_deadline_shorter_than_the_settle_window_is_refused() -> None:
    with pytest.raises(UsageError, match=r"^STORYFILM_LOST_CREATE_DEADLINE=5 is shorter than the settle window "
                                         r"\(12 s, STORYFILM_SETTLE\): give it at least that$"):
        LostCreates.from_settings(Settings.from_env({"STORYFILM_LOST_CREATE_DEADLINE": "5"}))
    with pytest.raises(UsageError, match=r"^STORYFILM_REQUEST_TIMEOUT='0': give a number of seconds, more than 0$"):
        Settings.from_env({"STORYFILM_REQUEST_TIMEOUT": "0"})
