"""Second hostile pass on `film --watch` and on a film that feeds itself: saves in quick
succession make one film of the last state (not a film of a state already left, paid with a key),
and a shot whose frame is a file the film itself writes is refused before anything is sent (every
run changed it, so every run rendered, and paid for, the shot again, and a watch filmed for ever)."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from pathlib import Path

import pytest

from helpers import counted, faults_on, film_process, make_image, server_counts, until_running
from storyfilm import cli, film, watch
from storyfilm.settings import Settings

STORY = """\
title: Saves
defaults: {{model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}}
shots:
  - id: dawn
    prompt: dawn over the harbour
  - id: dusk
    prompt: {dusk}
"""


class Lines:
    """A stream the watch writes to from its thread; lines waited for with a deadline."""

    def __init__(self) -> None:
        self.text, self.lock = "", threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def count(self, start: str) -> int:
        with self.lock:
            return sum(line.startswith(start) for line in self.text.splitlines())

    def until(self, start: str, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count(start) < count:
            assert time.monotonic() < deadline, f"not {count} lines starting {start!r} in {timeout} s: {self.text}"
            time.sleep(0.05)


@contextlib.contextmanager
def watching(story: Path, server, output: Path):
    """`film --watch` of `story` in a thread, filming to `output` on `server`: yields its (out, err)
    streams; stopped on leaving, and found stopped."""
    options = film.FilmOptions(base_url=server.base_url, output=output, poll_interval=0.05)
    out, err, stop = Lines(), Lines(), threading.Event()
    runner = threading.Thread(target=watch.watch, args=(story, Settings(), options),
                              kwargs={"out": out, "err": err, "stop": stop}, daemon=True)
    runner.start()
    try:
        yield out, err
    finally:
        stop.set()
        runner.join(timeout=60)
    assert not runner.is_alive()


def test_saves_in_quick_succession_make_one_film_of_the_last(tmp_path: Path, ark_server) -> None:
    """Ten saves 0.1 s apart: the first started a film of the first state (a paid create of a
    prompt already replaced), then another of the last; now only the last is filmed."""
    story = tmp_path / "saves.yaml"
    story.write_text(STORY.format(dusk="dusk 0"), encoding="utf-8")
    before = server_counts(ark_server)
    with watching(story, ark_server, tmp_path / "saves.mp4") as (out, err):
        out.until("watching ", 1)
        assert counted(before, ark_server).get("create") == 2
        for n in range(1, 11):
            story.write_text(STORY.format(dusk=f"dusk {n}"), encoding="utf-8")
            time.sleep(0.1)
        out.until("film: ", 2)
        out.until("watching ", 2)
        time.sleep(2.0)  # a film of a state left behind would have begun by now
        assert (out.count("changed: "), out.count("film: ")) == (1, 2), out.text
        assert counted(before, ark_server).get("create") == 3  # dawn, dusk 0, then dusk 10 alone
        assert err.text == ""


def test_a_frame_the_film_writes_is_refused_before_anything_is_sent(tmp_path: Path, ark_server, monkeypatch,
                                                                   capsys) -> None:
    story = tmp_path / "self.yaml"
    story.write_text(STORY.format(dusk="dusk").replace("prompt: dawn over the harbour",
                                                      "prompt: dawn\n    first_frame: self.contact.png"),
                     encoding="utf-8")
    make_image(tmp_path / "self.contact.png", 640, 360)
    shutil.copy(tmp_path / "self.contact.png", tmp_path / "still.png")
    monkeypatch.setenv("ARK_API_KEY", "sk-test-hostile2-self")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = server_counts(ark_server)
    film_path = tmp_path / "self.mp4"
    assert cli.main(["film", str(story), "-o", str(film_path)]) == 2
    assert capsys.readouterr().err == (
        f"{story}: shot 'dawn' first_frame: self.contact.png is written by this film (beside {film_path}): each film "
        "would change it and render the shot again (with a key, paid again); use a copy under another name\n")
    assert counted(before, ark_server) == {}
    story.write_text(story.read_text(encoding="utf-8").replace("self.contact.png", "still.png"), encoding="utf-8")
    assert cli.main(["film", str(story), "-o", str(film_path), "-q"]) == 0  # a copy under another name is fine
    assert cli.main(["film", str(story), "-o", str(tmp_path / "other.mp4"), "-q"]) == 0  # as is another film's sheet


@pytest.mark.parametrize("other_path", [False, True], ids=["same-film", "same-store"])
def test_a_watch_started_while_another_film_runs_waits_for_it(tmp_path: Path, ark_server, other_path: bool) -> None:
    """`film` in one terminal, `film --watch` of the same storyboard in another: the watch said the
    film (or the store) was busy and filmed nothing until the next save; now it says it waits,
    then films once the other has ended, every shot paid once (by the other)."""
    story = tmp_path / "busy.yaml"
    story.write_text(STORY.format(dusk="dusk"), encoding="utf-8")
    env = {"ARK_API_KEY": "sk-test-busy-watch", "ARK_BASE_URL": ark_server.base_url}
    film_path = tmp_path / "busy.mp4"
    before = server_counts(ark_server)
    with faults_on(ark_server, "run=2"):
        other = film_process(story, env, *(["-o", str(tmp_path / "other.mp4")] if other_path else []))
        until_running(other, 1)  # it holds the film's path and the store now
        try:
            with watching(story, ark_server, film_path) as (out, err):
                out.until("waiting: ", 1, timeout=20)
                busy = (f"another storyfilm render is using {tmp_path / '.storyfilm'}" if other_path else
                        f"another storyfilm (pid {other.pid}) is making the film {film_path} now")
                assert busy in out.text
                assert other.wait(timeout=60) == 0, other.stderr.read() if other.stderr else ""
                out.until("film: ", 1)
                assert err.text == "" and out.count("waiting: ") == 1, out.text
        finally:
            other.stdout.close()
            other.stderr.close()
    assert film_path.is_file()
    assert counted(before, ark_server).get("create") == 2  # the other film paid for both; the watch's were cached


def test_a_storyboard_link_pointed_at_another_file_is_filmed_again(tmp_path: Path, ark_server) -> None:
    """`story.yaml` a link to `v1.yaml`, then pointed at `v2.yaml` (`ln -sf`, or a tool that renames
    a new link over it): the watch watched only the file the link named at first, which did not
    change, so the new storyboard was never filmed."""
    (tmp_path / "v1.yaml").write_text(STORY.format(dusk="dusk one"), encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(STORY.format(dusk="dusk two"), encoding="utf-8")
    story = tmp_path / "story.yaml"
    story.symlink_to("v1.yaml")
    before = server_counts(ark_server)
    with watching(story, ark_server, tmp_path / "story.mp4") as (out, err):
        out.until("watching 1 file ", 1)
        first = (tmp_path / "story.mp4").read_bytes()
        (tmp_path / "new-link").symlink_to("v2.yaml")
        (tmp_path / "new-link").replace(story)  # atomically, as `ln -sf` does it
        out.until("film: ", 2, timeout=30)
        assert (tmp_path / "story.mp4").read_bytes() != first
        assert counted(before, ark_server).get("create") == 3  # dawn, dusk one, then dusk two alone
        assert err.text == ""
