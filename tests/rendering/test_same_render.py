"""Shots with the same content key (the same request, and the same first frame) are one render:
made and paid once, priced once by `plan`, and a shot that takes another's render is told "not
started" when that one fails."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from helpers import counted, faults_on, render_story, server_counts
from storyfilm import cli
from storyfilm.errors import StoryfilmError
from storyfilm.mediaio import probe


def twins_story(path: Path) -> Path:
    """Two identical cut shots (the seed pinned, so their keys are equal), each with an identical
    shot chained after it: two renders, four shots."""
    prompt = f"A red kite over a hill {random.random()}"
    path.write_text("title: Twins\n"
                    "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2, seed: 7}\n"
                    "shots:\n"
                    f"  - {{id: kite, prompt: {prompt}}}\n"
                    "  - {id: kite-lands, prompt: It lands.}\n"
                    f"  - {{id: again, prompt: {prompt}, cut: true}}\n"
                    "  - {id: again-lands, prompt: It lands.}\n")
    return path


def test_shots_with_one_key_are_planned_rendered_and_paid_once(tmp_path: Path, ark_server, capsys) -> None:
    story = twins_story(tmp_path / "twins.yaml")
    assert cli.main(["plan", str(story), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    cost = {row["shot"]: row["cost"] for row in plan["shots"]}
    assert plan["total"]["will_spend"] == pytest.approx(cost["kite"] + cost["kite-lands"], abs=1e-3)
    assert plan["total"]["cost"] == pytest.approx(cost["kite"] + cost["kite-lands"], abs=1e-3)
    spend = {row["shot"]: (row["will_spend"], row["reasons"][0]["reason"]) for row in plan["shots"]}
    assert spend["again"] == (0, "same_render") and spend["again-lands"] == (0, "same_render")
    assert plan["shots"][2]["reasons"][0]["text"] == "the same render as shot 'kite': made and paid once"

    before = server_counts(ark_server)
    film = render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 2
    results = film.results
    assert results["again"].video == results["kite"].video and results["again"].task_id == results["kite"].task_id
    assert results["again-lands"].video == results["kite-lands"].video
    assert film.spent == pytest.approx(cost["kite"] + cost["kite-lands"], abs=1e-3)
    assert probe.probe(film.output).duration == pytest.approx(4 * 2.0, abs=0.2)  # all four shots in the film


def test_a_shot_that_takes_a_failed_shots_render_is_told_not_started(tmp_path: Path, ark_server) -> None:
    story = twins_story(tmp_path / "twins.yaml")
    before = server_counts(ark_server)
    with faults_on(ark_server, "fail=1"), pytest.raises(StoryfilmError, match="3 tasks in a row") as failed:
        render_story(story, ark_server)
    assert counted(before, ark_server)["create"] == 3  # the failing shot's own three tries, no more
    notes = getattr(failed.value, "__notes__", [])
    assert "again: not started: waits on shot 'kite', which failed" in notes
    assert "again-lands: not started: waits on shot 'again', which waits on shot 'kite', which failed" in notes
