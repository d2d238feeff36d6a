"""The `lag` fault: reads that lag writes. ark-api.md §7.3 leaves open what a GET or a list says of a
task created a moment ago; a service whose reads lag its writes answers 404 and lists nothing for a
while. The knob lets a client be tried against that (`STORYFILM_FAULTS=lag=1.5 storyfilm film ...`)."""

from __future__ import annotations

import asyncio
import time

import pytest

from helpers import TASKS, ark_in_process, text_task
from storyfilm.errors import FaultSpecError
from storyfilm.localark.faults import Faults


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_new_task_is_unseen_by_get_list_and_delete_until_the_lag_has_passed() -> None:
    async with ark_in_process(faults="lag=0.4,queue=60") as (ark, http):
        task_id = (await http.post(TASKS, json=text_task())).json()["id"]
        got = await http.get(f"{TASKS}/{task_id}")
        assert (got.status_code, got.json()["error"]["code"]) == (404, "NotFound.TaskId")
        assert (await http.get(TASKS, params={"filter.task_ids": task_id})).json() == {"total": 0, "items": []}
        assert (await http.delete(f"{TASKS}/{task_id}")).status_code == 404
        assert task_id in ark.tasks  # it exists all along: only reads miss it
        # the lag runs from when the server took the create (a loaded machine may answer it late)
        await asyncio.sleep(max(0.0, ark.tasks[task_id].admitted + 0.45 - time.monotonic()))
        assert (await http.get(f"{TASKS}/{task_id}")).json()["status"] == "queued"
        assert (await http.get(TASKS, params={"filter.task_ids": task_id})).json()["total"] == 1


def test_the_lag_is_seconds_never_negative() -> None:
    assert Faults.parse("lag=1.5").lag == 1.5 and Faults.parse("").lag == 0.0
    with pytest.raises(FaultSpecError, match=r"seconds are never negative"):
        Faults.parse("lag=-1")


@pytest.mark.anyio
async def test_the_noseed_fault_renders_and_reports_a_seed_of_its_own() -> None:
    """§12.6: whether 2.x honours `seed` is contradictory; a model may take the field and not the seed."""
    async with ark_in_process(faults="noseed=1#1,queue=60") as (ark, http):
        ignored = (await http.post(TASKS, json=text_task(seed=5))).json()["id"]
        honoured = (await http.post(TASKS, json=text_task(seed=5))).json()["id"]
        seeds = [(await http.get(f"{TASKS}/{t}")).json()["seed"] for t in (ignored, honoured)]
        assert seeds[0] != 5 and seeds[1] == 5 and ark.tasks[ignored].spec.seed == seeds[0]


@pytest.mark.anyio
async def test_the_crash_fault_does_the_work_then_answers_500() -> None:
    """The 5xx fault answers before the request takes effect; `crash` after: a create makes its task
    and says 500 InternalServiceError (§10.2), a DELETE cancels and says 500."""
    async with ark_in_process(faults="crash=1#2,queue=60") as (ark, http):
        created = await http.post(TASKS, json=text_task())
        assert (created.status_code, created.json()["error"]["code"]) == (500, "InternalServiceError")
        (task_id,) = ark.tasks
        deleted = await http.delete(f"{TASKS}/{task_id}")
        assert deleted.status_code == 500 and ark.tasks[task_id].status == "cancelled"
        assert ark.stats["fault:crash"] == 2 and (await http.get(f"{TASKS}/{task_id}")).status_code == 200
