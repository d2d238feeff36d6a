"""A chained shot behind a failed one is told "not started", never "failed" with the other shot's
reason: in the progress (plain and JSON), the exit message, `plan` and `status`; the exit code
stays the failure's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from helpers import run_cli_in_process
from storyfilm.rendering import progress

CHAIN = """title: doomed chain
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}
shots:
  - id: a
    prompt: a red ball rolls
  - id: b
    prompt: the ball stops
  - id: c
    prompt: the ball sleeps
"""


def test_shots_behind_a_failed_one_say_they_were_not_started(tmp_path: Path, capsys) -> None:
    story = tmp_path / "chain.yaml"
    story.write_text(CHAIN)
    failing = {"STORYFILM_FAULTS": "fail=1,seed=7"}  # every task fails
    done = run_cli_in_process(capsys, "film", str(story), cwd=tmp_path, env=failing)
    assert done.returncode == 1
    first, *rest = done.stderr.splitlines()
    assert re.fullmatch(r"shot 'a': 3 tasks in a row did not succeed; the last: task cgt-\S+ failed: \S.*", first)
    assert rest == ["b: not started: waits on shot 'a', which failed",
                    "c: not started: waits on shot 'b', which waits on shot 'a', which failed"]
    shown = done.stdout.splitlines()
    assert "  b: not started: waits on shot 'a', which failed" in shown
    assert "  c: not started: waits on shot 'b', which waits on shot 'a', which failed" in shown
    assert not [line for line in shown if line.startswith(("  b: failed", "  c: failed"))]

    plan = run_cli_in_process(capsys, "plan", str(story), cwd=tmp_path)
    assert plan.returncode == 0
    rows = {line.split()[0]: line for line in plan.stdout.splitlines()[1:4]}
    assert rows["b"].endswith("render: not started: waits on shot 'a', whose last task failed; never rendered")
    assert rows["c"].endswith("render: not started: waits on shot 'b', which waits on shot 'a', whose last task "
                              "failed; never rendered")

    status = run_cli_in_process(capsys, "status", str(story), "--format", "json", cwd=tmp_path)
    assert status.returncode == 1
    reasons = {s["shot"]: s["reasons"][0] for s in json.loads(status.stdout)["shots"]}
    assert reasons["c"] == {"reason": "upstream_failed", "upstream": "b", "failed": "a", "status": "failed",
                            "text": "not started: waits on shot 'b', which waits on shot 'a', whose last task failed"}
    assert reasons["a"]["reason"] == "new_shot"

    again = run_cli_in_process(capsys, "film", str(story), "--json", cwd=tmp_path, env=failing)
    assert again.returncode == 1
    events = [json.loads(line) for line in again.stdout.splitlines()]
    schema = progress.events_schema()
    for event in events:
        jsonschema.validate(event, schema)
    planned = {e["shot"]: e["reasons"][0]["reason"] for e in events if e["event"] == "plan"}
    assert planned == {"a": "new_shot", "b": "upstream_failed", "c": "upstream_failed"}
    ends = {e["shot"]: (e["event"], e["detail"]) for e in events if e["event"] in ("failed", "not_started")}
    assert ends["b"] == ("not_started", "waits on shot 'a', which failed")
    assert ends["c"] == ("not_started", "waits on shot 'b', which waits on shot 'a', which failed")
    assert ends["a"][0] == "failed"
