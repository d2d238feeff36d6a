"""runner.run takes option values longer than one argument may be (a 200-shot film's filter graph)."""

from __future__ import annotations

from pathlib import Path

from storyfilm.mediaio import runner


def test_a_filter_graph_longer_than_an_argument_may_be(tmp_path: Path) -> None:
    label = "x" * 100_000
    graph = f"[0:v]null[{label}];[{label}]null[v]"  # 200 KB: over Linux's 128 KiB per argument
    out = tmp_path / "long.mp4"
    runner.run(["-f", "lavfi", "-i", "color=c=red:s=64x36:d=0.2", "-filter_complex", graph, "-map", "[v]",
                "-y", str(out)], what="run a long graph")
    info = runner.probe(out)
    assert (info.width, info.height) == (64, 36) and info.frames == 5
