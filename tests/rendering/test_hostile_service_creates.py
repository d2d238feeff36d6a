"""`film` against a hostile service that misbehaves on creates: the render ends by itself within
the create deadline with one message saying what may exist and be paid for, a create the service
took without a task id is never sent again, and the key is in no output and no file."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import HostileService, http_reply, one_shot, run_cli

KEY = "sk-hostile-film-0123456789"
TASKS = "/api/v3/contents/generations/tasks"
EMPTY_LIST = http_reply(200, '{"total": 0, "items": []}')


def film(tmp_path: Path, service: HostileService, **env: str):
    one_shot(tmp_path / "one.yaml", "one", "a", "a red ball rolls")
    done = run_cli("film", str(tmp_path / "one.yaml"), cwd=tmp_path, env={"ARK_API_KEY": KEY, "ARK_BASE_URL": service.base_url,
                                                            **env})
    assert "Traceback" not in done.stdout + done.stderr
    assert KEY not in done.stdout + done.stderr
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path
    return done


def test_creates_that_are_never_answered_end_at_the_create_deadline(tmp_path: Path) -> None:
    """Creates never answered, a list that shows nothing: each lost create is looked for before the
    next is sent, and the whole ends at STORYFILM_CREATE_DEADLINE, not after 8 tries (~30 s here)."""
    with HostileService(lambda method, path: None if method == "POST" else EMPTY_LIST) as service:
        done = film(tmp_path, service, STORYFILM_REQUEST_TIMEOUT="0.5", STORYFILM_SETTLE="0",
                    STORYFILM_LOST_CREATE_DEADLINE="1", STORYFILM_CREATE_DEADLINE="3")
        calls = [r.split(" ")[0] for r in service.requests]
    assert done.returncode == 1
    assert calls[0] == "POST" and "POST" not in {a for a, b in zip(calls, calls[1:]) if a == b}  # a look between
    assert re.fullmatch(
        r"shot 'a': its task was not created within 3\.0 s \(\d+ tr(y|ies), the last: [^\n]+\), the deadline for one "
        r"create \(STORYFILM_CREATE_DEADLINE\)\. A create was sent and its answer lost: the task may exist and be "
        r"paid for\. Check the tasks on the service \(its task list, or a gateway's console\) before creating it "
        r"elsewhere; `storyfilm film` run again looks for it first and creates it only when the service shows "
        r"none\.\n", done.stderr), done.stderr


def test_a_create_taken_without_a_task_id_is_sent_once(tmp_path: Path) -> None:
    with HostileService(lambda method, path: http_reply(200, "{}") if method == "POST" else EMPTY_LIST) as service:
        done = film(tmp_path, service, STORYFILM_SETTLE="0.5")
        assert service.count(f"POST {TASKS}") == 1
    assert done.returncode == 1
    assert done.stderr == (
        "shot 'a': the service took the create but answered without a task id (create answered without a task id: "
        "{}), and its task list did not show the task within 0.5 s. The task surely exists and may be paid for: "
        "check the tasks on the service (its task list, or a gateway's console); storyfilm does not create it "
        "again, since that could pay twice. `storyfilm film` run again looks for it first and creates it only when "
        "the service shows none.\n")


def test_a_create_deadline_that_is_not_a_number_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    with HostileService(lambda method, path: None) as service:
        done = film(tmp_path, service, STORYFILM_CREATE_DEADLINE="soon", STORYFILM_REQUEST_TIMEOUT="0.5",
                    STORYFILM_SETTLE="0", STORYFILM_LOST_CREATE_DEADLINE="0.5")
        assert service.requests == []
    assert done.returncode == 2
    assert done.stderr == "STORYFILM_CREATE_DEADLINE='soon': give a number of seconds, more than 0\n"
