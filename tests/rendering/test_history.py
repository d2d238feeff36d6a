"""Each storyboard's history is its own: two storyboards in one folder share the store's media, but
a shot id they both use (`pour`) is explained from its own storyboard's renders only. A journal
from before the link keeps every row and still explains."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from helpers import one_shot, render_story
from storyfilm import cli
from storyfilm.rendering.store import Store

KEY = "sk-history-0123456789"


@pytest.fixture
def plan(ark_server, monkeypatch, capsys):
    """`storyfilm plan STORY --format json` (cli.main, in this process) against the test server: reasons by shot."""
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)

    def run(story: Path) -> dict[str, list[dict]]:
        capsys.readouterr()
        assert cli.main(["plan", str(story), "--format", "json"]) == 0
        return {s["shot"]: s["reasons"] for s in json.loads(capsys.readouterr().out)["shots"]}
    return run


def test_a_shot_id_another_storyboard_rendered_is_a_new_shot(tmp_path: Path, ark_server, plan) -> None:
    ad, coffee = tmp_path / "ad.yaml", tmp_path / "coffee.yaml"
    one_shot(ad, "Ad", "pour", "Milk pours into a glass.")
    one_shot(coffee, "Coffee", "pour", "Coffee pours into a white cup.")
    render_story(ad, ark_server)

    assert plan(coffee) == {"pour": [{"reason": "new_shot", "text": "never rendered"}]}
    assert plan(ad) == {"pour": [{"reason": "cached", "text": "cached"}]}
    one_shot(ad, "Ad", "pour", "Oat milk pours into a glass.")
    assert plan(ad) == {"pour": [{"reason": "prompt_changed", "text": "prompt changed"}]}


def test_a_journal_from_before_the_link_keeps_its_rows_and_explains(tmp_path: Path, ark_server, plan) -> None:
    ad = tmp_path / "ad.yaml"
    one_shot(ad, "Ad", "pour", "Milk pours into a glass.")
    render_story(ad, ark_server)
    journal = tmp_path / ".storyfilm" / "state.sqlite"
    with sqlite3.connect(journal) as db:  # the journal as the previous release wrote it
        db.execute("DROP TABLE story_shots")
        rows = db.execute("SELECT * FROM shots ORDER BY key").fetchall()

    with Store(journal.parent, story=tmp_path / "other.yaml") as store:
        legacy = store.last_done("pour")  # claimed by no storyboard: read as before
        assert legacy is not None and legacy.status == "done"
    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT * FROM shots ORDER BY key").fetchall() == rows
        assert db.execute("SELECT count(*) FROM story_shots").fetchone() == (0,)

    one_shot(ad, "Ad", "pour", "Oat milk pours into a glass.")
    assert plan(ad) == {"pour": [{"reason": "prompt_changed", "text": "prompt changed"}]}
