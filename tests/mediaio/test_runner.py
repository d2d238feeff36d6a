"""runner: which ffmpeg runs, the argv it gets, and option values longer than one argument may be."""

from __future__ import annotations

import os
import re
from pathlib import Path

import imageio_ffmpeg
import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import binary, probe, runner

WHEEL = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture
def fresh_lookup(monkeypatch):
    """ffmpeg_exe() looks again (it caches its answer) and forgets what the test set up."""
    monkeypatch.delenv("FFMPEG", raising=False)
    binary.checked.cache_clear()
    yield monkeypatch
    binary.checked.cache_clear()


def test_ffmpeg_from_the_environment_first(fresh_lookup, tmp_path: Path) -> None:
    on_path = tmp_path / "bin" / "ffmpeg"
    on_path.parent.mkdir()
    on_path.symlink_to(WHEEL)
    fresh_lookup.setenv("PATH", str(on_path.parent))
    fresh_lookup.setenv("FFMPEG", WHEEL)
    assert runner.ffmpeg_exe() == WHEEL
    assert runner.argv(["-version"]) == [WHEEL, "-hide_banner", "-nostdin", "-version"]


def test_ffmpeg_on_path_before_the_wheel(fresh_lookup, tmp_path: Path) -> None:
    on_path = tmp_path / "ffmpeg"
    on_path.symlink_to(WHEEL)
    fresh_lookup.setenv("PATH", str(tmp_path))
    assert runner.ffmpeg_exe() == str(on_path)


def test_ffmpeg_from_the_wheel_when_nothing_else(fresh_lookup, tmp_path: Path) -> None:
    fresh_lookup.setenv("PATH", str(tmp_path))  # an empty folder
    assert runner.ffmpeg_exe() == WHEEL


def test_an_ffmpeg_that_cannot_run_is_named(fresh_lookup, tmp_path: Path) -> None:
    text = tmp_path / "ffmpeg.txt"
    text.write_text("not a program")
    fresh_lookup.setenv("FFMPEG", str(text))
    with pytest.raises(FfmpegError) as err:
        runner.ffmpeg_exe()
    assert str(err.value) == f"FFMPEG={text} is not an executable file"


def test_a_failed_run_says_what_failed_with_ffmpegs_last_lines(tmp_path: Path) -> None:
    missing = tmp_path / "missing.mp4"
    with pytest.raises(FfmpegError) as err:
        runner.run(["-i", str(missing), "-f", "null", "-"], what="read a missing file")
    assert re.fullmatch(r"ffmpeg failed to read a missing file:\n"
                        r"  \[in#0 @ 0x[0-9a-f]+\] Error opening input: No such file or directory\n"
                        rf"  Error opening input file {re.escape(str(missing))}\.\n"
                        r"  Error opening input files: No such file or directory", str(err.value))


def test_only_long_option_values_spill_into_files(tmp_path: Path) -> None:
    graph = "null," * (runner.LONG_OPTION // 5 + 1) + "null"
    short = "null"
    args = ["-i", "in.mp4", "-filter_complex", graph, "-vf", short, "-metadata", "x" * (runner.LONG_OPTION + 1),
            "out.mp4"]
    spilled = runner.spill_long_options(args, tmp_path)
    assert spilled == ["-i", "in.mp4", "-/filter_complex", str(tmp_path / "option3.txt"), "-vf", "null",
                       "-/metadata", str(tmp_path / "option7.txt"), "out.mp4"]
    assert (tmp_path / "option3.txt").read_text() == graph
    assert sorted(p.name for p in tmp_path.iterdir()) == ["option3.txt", "option7.txt"]


def test_a_long_value_that_is_no_options_value_stays(tmp_path: Path) -> None:
    long_name = "x" * (runner.LONG_OPTION + 1)
    for args in ([long_name], ["-y", "-/filter_complex", long_name]):
        assert runner.spill_long_options(args, tmp_path) == args
    assert os.listdir(tmp_path) == []


def test_a_filter_graph_longer_than_an_argument_may_be(tmp_path: Path) -> None:
    label = "x" * 100_000
    graph = f"[0:v]null[{label}];[{label}]null[v]"  # 200 KB: over Linux's 128 KiB per argument
    out = tmp_path / "long.mp4"
    runner.run(["-f", "lavfi", "-i", "color=c=red:s=64x36:d=0.2", "-filter_complex", graph, "-map", "[v]",
                "-y", str(out)], what="run a long graph")
    info = probe.probe(out)
    assert (info.width, info.height) == (64, 36) and info.frames == 5
