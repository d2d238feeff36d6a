"""Why a shot renders, as fields programs read: `status --format json` and the `plan` events of
`film --json` (and `plan --format json`: test_history.py) give `{"reason": "parameter_changed", "names": ["seed"], ...}`, and
the words people read are made from the same fields."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from helpers import one_shot, run_cli_in_process
from storyfilm.planning.explain import Reason
from storyfilm.rendering.progress import events_schema

KEY = "sk-reasons-0123456789"
SEED = {"reason": "parameter_changed", "names": ["seed"], "text": "parameter changed: seed"}


def test_reasons_are_fields_in_status_plan_and_film_json(tmp_path: Path, ark_server, capsys) -> None:
    env = {"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url}
    story, film = tmp_path / "ad.yaml", tmp_path / "ad.mp4"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    assert run_cli_in_process(capsys, "film", str(story), "-o", str(film), env=env).returncode == 0
    story.write_text(story.read_text().replace("    prompt:", "    seed: 7\n    prompt:"))

    stale = run_cli_in_process(capsys, "status", str(story), "--format", "json", env=env)
    assert stale.returncode == 1, stale.stderr
    answer = json.loads(stale.stdout)
    assert (answer["current"], answer["shots"]) == (False, [{"shot": "pour", "state": "render", "reasons": [SEED],
                                                             "cost": answer["cost"]}])

    rendered = run_cli_in_process(capsys, "film", str(story), "--json", "-o", str(film), env=env)
    events = [json.loads(line) for line in rendered.stdout.splitlines()]
    validator = jsonschema.Draft202012Validator(events_schema())
    assert [e for e in events if not validator.is_valid(e)] == []
    assert [e for e in events if e["event"] == "plan"] == [
        {"event": "plan", "shot": "pour", "state": "render", "reasons": [SEED], "cost": answer["cost"]}]
    assert [e["fraction"] for e in events if e["event"] == "join"][-1] == 1.0

    current = run_cli_in_process(capsys, "status", str(story), "--format", "json", "-o", str(film), env=env)
    assert current.returncode == 0
    assert json.loads(current.stdout)["shots"][0]["reasons"] == [{"reason": "cached", "text": "cached"}]
    assert KEY not in stale.stdout + rendered.stdout + current.stdout


def test_the_words_come_from_the_fields() -> None:
    assert Reason("model_changed", before="a", after="b").as_dict() == {
        "reason": "model_changed", "before": "a", "after": "b", "text": "model changed (a → b)"}
    assert Reason("upstream_renders_first", upstream="pour").text == "upstream shot 'pour' renders first"
    assert Reason("last_task_ended", status="expired").as_dict() == {
        "reason": "last_task_ended", "status": "expired", "text": "its last task expired"}
