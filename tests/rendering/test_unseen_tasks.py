"""A service whose reads lag its creates (the local server's `lag` fault) answers 404 and lists
nothing for a task made a moment ago. The poller keeps looking for such a task, by list and by
GET alike, and a film through such a service pays once per shot."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from helpers import IN_PROCESS_BASE, chains_story, counted, faults_on, in_process_ark, render_story, server_counts, \
    text_task
from storyfilm.ark.client import ArkClient
from storyfilm.errors import TaskGone
from storyfilm.rendering import unseen
from storyfilm.rendering.poller import Poller
from storyfilm.seedance.gateways import ARK, VOLC_PROXY


async def _made_and_watched(gateway, faults: str) -> tuple[str, int]:
    async with in_process_ark(faults=faults, gateway=gateway) as (ark, http):
        client = ArkClient(IN_PROCESS_BASE.removesuffix(ARK.prefix) + gateway.prefix,
                           "sk-test", gateway=gateway, http=http)
        task_id = await client.create(text_task())
        async with Poller(client, give_up_after=10) as poller:
            task = await asyncio.wait_for(poller.wait(task_id, timeout=20), 30)
        return task.status, len(ark.tasks)


@pytest.mark.parametrize("gateway", [ARK, VOLC_PROXY], ids=["by list", "by get"])
def test_a_task_not_shown_yet_is_looked_for_again_not_read_as_forgotten(gateway) -> None:
    assert asyncio.run(_made_and_watched(gateway, "lag=0.6,queue=0.1,run=0.1")) == ("succeeded", 1)


def test_a_task_still_unknown_after_the_grace_is_forgotten(monkeypatch) -> None:
    monkeypatch.setattr(unseen, "UNSEEN_GRACE", 0.3)
    with pytest.raises(TaskGone, match="the service no longer knows it"):
        asyncio.run(_made_and_watched(ARK, "lag=5,queue=0.1,run=0.1"))


def test_a_film_through_a_service_whose_reads_lag_pays_once_per_shot(tmp_path: Path, ark_server) -> None:
    story, ids = chains_story(tmp_path / "lagging.yaml", f"Lagging {random.random()}", chains=2, length=2)
    before = server_counts(ark_server)
    with faults_on(ark_server, "lag=1.5"):
        film = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == len(ids) == 4
    assert film.output.is_file() and set(film.results) == set(ids)
