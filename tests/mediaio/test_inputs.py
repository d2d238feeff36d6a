"""The rim that reads a storyboard and its media (mediaio.inputs): hostile YAML refused under a
memory cap, files that are not regular files refused without blocking, each distinct medium
decoded once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import REPO, io_watch, make_image
from storyfilm.errors import StoryboardError
from storyfilm.mediaio.inputs import load_storyboard

HEADROOM = 100 * 2**20  # what a hostile storyboard may cost above the interpreter with storyfilm loaded
CAPPED = textwrap.dedent("""
    import resource, sys
    from storyfilm.mediaio.inputs import load_storyboard
    from storyfilm.errors import StoryboardError
    peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmPeak"))
    resource.setrlimit(resource.RLIMIT_AS, (peak + {headroom}, peak + {headroom}))
    try:
        load_storyboard(sys.argv[1])
    except StoryboardError as exc:
        print(exc)
""")


def _bomb(levels: int) -> str:
    lines = ["title: T", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join(lines + ["shots:", "  - {id: a, prompt: A.}"]) + "\n"


HOSTILE = {
    "bomb": (lambda: _bomb(9), "6:45: the alias *l3 expands the storyboard past 100000 values; storyfilm refuses "
                               "YAML that grows this way"),
    "deep": (lambda: "title: T\nstyle: " + "[" * 50_000 + "]" * 50_000 + "\n",
             "2:1007: invalid YAML: exceeded maximum nesting depth (increasing flow level started at line 2, "
             "column 1007)"),  # libyaml's own limit on flow nesting comes first
    "wide": (lambda: "title: T\nstyle: [" + "1, " * 600_000 + "1]\n", "2:299994: the storyboard holds more than "
                                                                     "100000 values"),
    "huge": (lambda: "title: T\nshots:\n" + "  - {id: a, prompt: A very long shot.}\n" * 1_300_000,
             "1:1: the storyboard is 50.7 MB; storyfilm reads storyboards up to 2 MB"),
    "recursive": (lambda: "title: T\nstyle: &s [a, [b, *s]]\nshots: []\n",
                  "2:19: the alias *s is inside the value it names (a recursive alias)"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_yaml_is_refused_within_a_memory_cap(tmp_path: Path, name: str) -> None:
    """Each refused with its located message by a process that may use only HEADROOM more memory
    than it had when it started (a MemoryError or a kill would fail the test)."""
    make, message = HOSTILE[name]
    story = tmp_path / f"{name}.yaml"
    story.write_text(make(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", CAPPED.format(headroom=HEADROOM), str(story)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.strip() == f"{story}:{message}"


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    """A FIFO as the storyboard and as a first frame: both refused at once (a reader would block
    for ever: the subprocess's timeout fails the test instead)."""
    os.mkfifo(tmp_path / "story.yaml")
    os.mkfifo(tmp_path / "frame.png")
    (tmp_path / "uses.yaml").write_text("title: T\nshots:\n  - id: a\n    first_frame: frame.png\n    prompt: A.\n")
    proc = subprocess.run([sys.executable, "-m", "storyfilm", "validate", str(tmp_path / "story.yaml"),
                           str(tmp_path / "uses.yaml")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{tmp_path}/story.yaml:1:1: the storyboard is not a regular file (a pipe, socket or device)",
        f"{tmp_path}/uses.yaml:4:18: first_frame: frame.png is not a regular file (a pipe, socket or device)"]


def test_each_medium_is_decoded_once(tmp_path: Path) -> None:
    """One image named six ways (asset, paths, twice per shot) and one sound: two ffmpeg runs."""
    make_image(tmp_path / "frame.png", 640, 360)
    (tmp_path / "sub").mkdir()
    story = tmp_path / "story.yaml"
    story.write_text(textwrap.dedent("""\
        title: Once
        assets: {frame: frame.png}
        soundtrack: {file: music.wav}
        shots:
          - {id: a, first_frame: frame, prompt: A.}
          - {id: b, cut: true, first_frame: ./frame.png, prompt: B.}
          - {id: c, cut: true, first_frame: sub/../frame.png, last_frame: frame.png, prompt: C.}
        """))
    subprocess.run([sys.executable, "-c", "import imageio_ffmpeg, subprocess, sys; subprocess.run([imageio_ffmpeg"
                    ".get_ffmpeg_exe(), '-v', 'error', '-f', 'lavfi', '-i', 'sine=d=3', sys.argv[1]], check=True)",
                    str(tmp_path / "music.wav")], check=True)
    with io_watch() as io:
        board = load_storyboard(story)
    runs = [event for event in io if event.startswith("subprocess.Popen")]
    assert len(runs) == 2
    assert board.soundtrack is not None and board.shots[2].last_frame is not None
    assert board.shots[2].last_frame.width == 640 and board.shots[0].first_frame.sha256 == board.shots[2].last_frame.sha256


def test_a_damaged_image_is_refused_however_often_it_is_named(tmp_path: Path) -> None:
    whole = make_image(tmp_path / "whole.png", 640, 360).read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[:len(whole) // 2])
    story = tmp_path / "story.yaml"
    story.write_text("title: T\nshots:\n  - {id: a, first_frame: cut.png, prompt: A.}\n"
                     "  - {id: b, cut: true, first_frame: cut.png, prompt: B.}\n")
    with io_watch() as io, pytest.raises(StoryboardError) as refused:
        load_storyboard(story)
    assert [p.message for p in refused.value.problems] == [
        "first_frame: cut.png does not decode as an image (Invalid data found when processing input)"] * 2
    assert len([event for event in io if event.startswith("subprocess.Popen")]) == 1
