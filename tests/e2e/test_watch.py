"""`storyfilm film --watch` (issue 16): films, then films again on every save of the storyboard,
says what changed and where the new film is; a bad edit shows its located error and watching goes
on; Ctrl-C stops it with 130 and no traceback. A real process on the local preview backend."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers import REPO

STORY = """\
title: 看着
defaults: {model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}
shots:
  - id: dawn
    prompt: 清晨的码头
  - id: dusk
    prompt: 黄昏的码头
"""


class Lines:
    """A process's stdout and stderr, line by line, each waited for with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        for name, stream in (("out", proc.stdout), ("err", proc.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream) -> None:
        for line in stream:
            self.queue.put((name, line.rstrip("\n")))

    def until(self, stream: str, start: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {stream} line starting {start!r} within {timeout} s; saw {self.seen}"
            try:
                name, line = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append((name, line))
            if name == stream and line.startswith(start):
                return line


def test_watch_films_again_on_save_survives_a_bad_edit_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    story, film = tmp_path / "watch.yaml", tmp_path / "watch.mp4"
    story.write_text(STORY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARK_", "STORYFILM_"))}
    proc = subprocess.Popen([sys.executable, "-m", "storyfilm", "film", str(story), "--watch", "--json", "-o",
                             str(film)], cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=1)
    try:
        lines = Lines(proc)
        assert json.loads(lines.until("out", '{"event": "film"'))["rendered"] == 2
        assert json.loads(lines.until("out", '{"event": "note", "detail": "film: '))["detail"] == f"film: {film}"
        lines.until("out", '{"event": "note", "detail": "watching 1 file for changes')
        first = film.read_bytes()

        story.write_text(STORY.replace("黄昏的码头", "夜里的码头"), encoding="utf-8")  # one prompt edited
        changed = json.loads(lines.until("out", '{"event": "note", "detail": "changed: '))["detail"]
        assert changed == "changed: watch.yaml"
        again = json.loads(lines.until("out", '{"event": "film"'))
        assert (again["cached"], again["rendered"]) == (1, 1)  # only the edited shot rendered
        lines.until("out", '{"event": "note", "detail": "film: ')
        assert film.read_bytes() != first
        lock = json.loads((tmp_path / "watch.preview.lock.json").read_text())
        assert json.loads(film.with_suffix(".html").read_text().split('type="application/json">')[1]
                          .split("</script>")[0].replace("<\\/", "</"))["shots"][1]["key"] == lock["shots"][1]["key"]

        story.write_text(STORY.replace("prompt: 清晨", "promt: 清晨"), encoding="utf-8")  # a bad edit
        assert lines.until("err", str(story)) == f"{story}:4:5: shot 1 needs `prompt`"
        assert lines.until("err", str(story)) == f"{story}:5:5: unknown key `promt` (did you mean `prompt`?)"
        lines.until("err", "not filmed: fix watch.yaml and save it again (still watching)")
        assert proc.poll() is None  # still watching

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        lines.until("err", f"stopped watching {story}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not any("Traceback" in line for _, line in lines.seen)
