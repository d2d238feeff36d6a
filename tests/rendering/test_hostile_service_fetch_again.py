"""A finished shot whose stored clip is gone is fetched again from its task; when the service does
not answer that task's GET, the run ends at the call deadline (STORYFILM_CALL_DEADLINE), not
after every retry of every request, saying nothing was created or paid by it."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import one_shot, run_cli_in_process


def test_a_silent_get_of_a_finished_task_ends_at_the_call_deadline(tmp_path: Path, capsys) -> None:
    story = tmp_path / "one.yaml"
    one_shot(story, "one", "a", "a red ball rolls")
    first = run_cli_in_process(capsys, "film", str(story), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    clips = [p for p in (tmp_path / ".storyfilm").rglob("*") if p.is_file() and p.stat().st_size > 5000
             and p.read_bytes()[4:8] == b"ftyp"]
    assert clips
    for clip in clips:
        clip.unlink()
    slow_get = {"STORYFILM_FAULTS": "slow@get=1,delay=3", "STORYFILM_REQUEST_TIMEOUT": "0.3",
                "STORYFILM_CALL_DEADLINE": "1"}
    again = run_cli_in_process(capsys, "film", str(story), cwd=tmp_path, env=slow_get)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert re.fullmatch(
        r"GET http://127\.0\.0\.1:\d+/api/v3/contents/generations/tasks/\S+: no usable answer within 1\.0 s \(\d+ "
        r"tr(y|ies), the last: ReadTimeout after 0\.3 s\), the deadline for one call to the service "
        r"\(STORYFILM_CALL_DEADLINE\)\. Nothing was created or paid for by it; run again when the service answers: "
        r"tasks already created are picked up, never paid twice\.\n", again.stderr), again.stderr
