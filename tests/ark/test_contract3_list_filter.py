"""A lost create is looked for in the task list (ark-api.md §9.1), whose `filter.model` takes the
Endpoint ID a task was created through, not the model name it reports: a create sent with a Model
ID is looked for without that filter, and a listed task of another model is ruled out by the
`model` it reports."""

from __future__ import annotations

import time

import pytest

from helpers import IN_PROCESS_BASE, in_process_ark, text_task
from storyfilm.ark.client import ArkClient
from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.lost_create import LostCreates
from storyfilm.ark.types import Task
from storyfilm.errors import CreateUnresolved
from storyfilm.localark.embedded import LOCAL_KEY

PRO = "doubao-seedance-1-0-pro-250528"
LITE = "doubao-seedance-1-0-lite-t2v-250428"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def body(model: str) -> dict:
    return {"model": model, "content": [{"type": "text", "text": "x"}], "seed": 7, "resolution": "480p",
            "ratio": "16:9", "duration": 2}


def listed(model: str) -> Task:
    return Task.from_json({"id": "cgt-1", "model": model, "status": "queued", "seed": 7, "resolution": "480p",
                           "ratio": "16:9", "duration": 2})


def test_a_model_id_is_not_sent_as_the_endpoint_filter_and_rules_out_another_models_task() -> None:
    ours = Fingerprint.of(body(PRO))
    assert ours.endpoint is None
    assert ours.matches(listed(PRO)) and ours.matches(listed(""))
    assert not ours.matches(listed(LITE))


def test_an_endpoint_id_is_the_filter_and_its_tasks_report_the_model_behind_it() -> None:
    ours = Fingerprint.of(body("ep-20250101-abc"))
    assert ours.endpoint == "ep-20250101-abc"
    assert ours.matches(listed(PRO))


@pytest.mark.anyio
@pytest.mark.parametrize("tier", ["default", "flex"])
async def test_an_intent_journaled_without_its_tier_finds_its_task_in_either_tier(tier: str) -> None:
    """A list without filter.service_tier shows the default tier only (§9.1): an intent from before
    the tier was journaled is looked for in both, or its flex task would be created (paid) again."""
    async with in_process_ark(faults="queue=60") as (ark, http):
        client = ArkClient(IN_PROCESS_BASE, LOCAL_KEY, http=http)
        sent_at = time.time() - 1
        task_id = await client.send_create(text_task(seed=42, service_tier=tier))
        old = Fingerprint.from_dict({"model": PRO, "seed": 42, "resolution": "480p", "duration": 2})
        found = await LostCreates(settle=0.0).resolve(client.list, old, sent_at, lambda: set(), settled=True)
        assert [t.id for t in found.found] == [task_id]


@pytest.mark.anyio
async def test_a_look_that_cannot_reach_back_to_the_create_is_unresolved_not_none() -> None:
    """With the model no longer filtered by the service, other tasks fill the pages: a look that read
    every page it may without reaching the moment the create was sent has not seen "none"."""
    async with in_process_ark(faults="queue=60") as (ark, http):
        client = ArkClient(IN_PROCESS_BASE, LOCAL_KEY, http=http)
        sent_at = time.time() - 1
        for seed in (1, 2):  # tasks of the same account since, not ours
            await client.send_create(text_task(seed=seed))
        ours = Fingerprint.of(text_task(seed=3))
        with pytest.raises(CreateUnresolved, match="more than 2 default-tier tasks since"):
            await LostCreates(settle=0.0, pages=2, page_size=1).resolve(client.list, ours, sent_at, lambda: set(),
                                                                         settled=True)
        none = await LostCreates(settle=0.0, pages=3, page_size=1).resolve(client.list, ours, sent_at, lambda: set(),
                                                                            settled=True)
        assert none.found == ()
