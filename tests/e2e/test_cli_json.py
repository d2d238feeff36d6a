"""`film --json`: every line follows the packaged events schema, and the last one is the `film`
event: path, duration, size, shots, cached/rendered, planned and actual cost, lock, review, warnings."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from helpers import run_cli
from storyfilm.mediaio import probe
from storyfilm.rendering.progress import events_schema

STORY = ("title: Boat\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - id: pond\n    prompt: A paper boat drifts on a pond.\n")
KEY = "sk-json-0123456789"


def _events(stdout: str) -> list[dict]:
    validator = jsonschema.Draft202012Validator(events_schema())
    events = [json.loads(line) for line in stdout.splitlines()]
    for event in events:
        validator.validate(event)
    return events


def test_json_ends_with_the_film_event_and_every_line_follows_the_schema(tmp_path: Path, ark_server) -> None:
    env = {"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url}
    story, film = tmp_path / "boat.yaml", tmp_path / "boat.mp4"
    story.write_text(STORY, encoding="utf-8")
    first = run_cli("film", str(story), "--json", "-o", str(film), env=env)
    assert first.returncode == 0, first.stderr
    events = _events(first.stdout)
    assert {e["event"] for e in events} >= {"note", "created", "done", "film"}
    last = events[-1]
    info = probe.probe(film, count_frames=False)
    assert last["event"] == "film" and [e for e in events if e["event"] == "film"] == [last]
    assert (last["path"], last["size"], last["duration"]) == (str(film), film.stat().st_size, round(info.duration, 3))
    assert (last["shots"], last["cached"], last["rendered"], last["preview"]) == (1, 0, 1, False)
    assert last["planned_cost"] == last["actual_cost"] > 0
    assert Path(last["lock"]) == tmp_path / "boat.lock.json" and Path(last["lock"]).is_file()
    assert Path(last["review"]["contact_sheet"]).is_file()
    assert isinstance(last["warnings"], list)
    assert KEY not in first.stdout

    again = _events(run_cli("film", "-q", str(story), "--json", "-o", str(film), env=env).stdout)[-1]  # -q keeps results
    assert (again["cached"], again["rendered"], again["planned_cost"], again["actual_cost"]) == (1, 0, 0, 0)


def test_the_schema_rejects_a_film_event_without_its_cost() -> None:
    event = {"event": "film", "path": "x.mp4", "duration": 1.0, "size": 1, "width": 2, "height": 2, "shots": 1,
             "cached": 0, "rendered": 1, "planned_cost": 0.3, "currency": "CNY", "preview": True,
             "lock": None, "review": {}, "warnings": []}
    assert not jsonschema.Draft202012Validator(events_schema()).is_valid(event)
    costs = {"actual_cost": 0.3, "film_cost": {"planned": 0.3, "returned": 0.3}, "per_shot": []}
    assert jsonschema.Draft202012Validator(events_schema()).is_valid({**event, **costs})
    for name in costs:  # each of the three is required
        assert not jsonschema.Draft202012Validator(events_schema()).is_valid(
            {**event, **{k: v for k, v in costs.items() if k != name}})
    shot = {"shot": "a", "cached": False, "planned": {"seconds": 15.042, "tokens": 3, "cost": 0.3},
            "returned": {"seconds": 5.04, "duration": 5, "frames": None, "fps": 24, "tokens": 1, "seed": 7,
                         "cost": 0.1}, "seed_honoured": True, "differences": ["seconds: ..."]}
    assert jsonschema.Draft202012Validator(events_schema()).is_valid({**event, **costs, "per_shot": [shot]})
    assert not jsonschema.Draft202012Validator(events_schema()).is_valid(
        {**event, **costs, "per_shot": [{**shot, "returned": {"seconds": 5.04}}]})
