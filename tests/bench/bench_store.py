"""What trust costs (issue 11): every stored object is hashed before it is served, and encoders run
single-threaded so the same inputs give the same bytes.

- unchanged re-run of a 20-shot film (4 chains × 5), in-process and as a CLI process (< 1 s each)
- hashing: ms per MB, and the share of the re-run spent verifying the store
- `storyfilm verify` of that film
- the speed cost of single-threaded encoding: the join and one preview clip, threads 1 vs 2 (best
  of two each; on a loaded 2-core machine the second thread buys little, on an idle one more)
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storyfilm import film
from storyfilm.settings import Settings

KEY = "sk-bench-store"
HEAD = ('defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}\n'
        "shots:\n")


def story(folder: Path) -> Path:
    lines = ["title: Store bench\n", HEAD]
    for c in range(4):
        for s in range(5):
            cut = ", cut: true" if s == 0 else ""
            lines.append(f'  - {{id: c{c}s{s}, prompt: "Chain {c} shot {s}: lanterns on the water."{cut}}}\n')
    path = folder / "store-bench.yaml"
    path.write_text("".join(lines))
    return path


def render(path: Path, server) -> float:
    started = time.perf_counter()
    film.run(path, Settings(api_key=KEY), film.FilmOptions(base_url=server.base_url, output=path.with_suffix(".mp4"),
                                                         poll_interval=0.05), out=io.StringIO())
    return time.perf_counter() - started


def cli(*args: str, server) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    env |= {"ARK_API_KEY": KEY, "ARK_BASE_URL": server.base_url}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "storyfilm", *args], capture_output=True, text=True, env=env)
    return time.perf_counter() - started, proc


def hashing(folder: Path) -> tuple[float, float, float]:
    """(ms per MB for a 64 MB file, MB in the film's store, ms to verify that store from cold)."""
    from storyfilm.rendering.store import Store, sha256_file

    big = folder / "big.bin"
    big.write_bytes(os.urandom(64 << 20))
    started = time.perf_counter()
    sha256_file(big)
    per_mb = (time.perf_counter() - started) * 1000 / 64
    big.unlink()
    with Store(folder / ".storyfilm") as store:
        shas = [p.name for p in store.objects.iterdir()]
        size = sum(store.path(s).stat().st_size for s in shas) / 1e6
        started = time.perf_counter()
        assert all(store.has(s) for s in shas)
        return per_mb, size, (time.perf_counter() - started) * 1000


def threads_cost(path: Path, backend: str) -> list[tuple[str, str, str]]:
    """The join (re-encoding) and one preview clip, single-threaded (as shipped) and with 2 threads."""
    from storyfilm.assembly import ffmpeg_graph
    from storyfilm.localark import checks, preview

    out = path.with_name("threads.mp4")
    spec = asyncio.run(checks.parse({"model": "doubao-seedance-1-0-pro-250528", "seed": 7, "resolution": "720p",
                                     "duration": 5, "content": [{"type": "text", "text": "A harbour at dusk"}]}))
    shipped = (dict(ffmpeg_graph.VIDEO), ffmpeg_graph.FILTER_THREADS, dict(preview.ENCODE), preview.FILTER_THREADS)
    walls: dict[int, tuple[float, float]] = {}
    for threads in (1, 2, 1, 2):
        if threads == 2:
            ffmpeg_graph.VIDEO = {**shipped[0], "threads": 2, "x264-params": "keyint=48:min-keyint=24:scenecut=0"}
            ffmpeg_graph.FILTER_THREADS = ["-filter_complex_threads", "2"]
            preview.ENCODE = {k: v for k, v in shipped[2].items() if k != "x264-params"} | {"threads": 2}
            preview.FILTER_THREADS = []
        try:
            path.with_suffix(".mp4").unlink(missing_ok=True)
            started = time.perf_counter()
            _join_again(path, backend)
            join = time.perf_counter() - started
            started = time.perf_counter()
            preview.render_task(spec, out, None)
            clip = time.perf_counter() - started
        finally:
            ffmpeg_graph.VIDEO, ffmpeg_graph.FILTER_THREADS, preview.ENCODE, preview.FILTER_THREADS = shipped
        best = walls.get(threads, (float("inf"), float("inf")))
        walls[threads] = (min(best[0], join), min(best[1], clip))
    (j1, c1), (j2, c2) = walls[1], walls[2]
    return [("join of the 20-shot film (re-encode): 1 thread vs 2", f"{j1:.2f} s vs {j2:.2f} s ({j1 / j2 - 1:+.0%})",
             "same bytes under load"),
            ("preview clip 720p 5 s: 1 thread vs 2", f"{c1:.2f} s vs {c2:.2f} s ({c1 / c2 - 1:+.0%})",
             "same bytes under load")]


def _join_again(path: Path, backend: str) -> None:
    """The film made again from the stored clips (no request: every shot is cached)."""
    from storyfilm import planning
    from storyfilm.assembly import assemble, edit
    from storyfilm.mediaio.inputs import load_storyboard
    from storyfilm.rendering.executor import Executor
    from storyfilm.rendering.store import Store

    board = load_storyboard(path)
    graph = planning.compile_plan(board)
    with Store(path.parent / ".storyfilm") as store:
        results = asyncio.run(Executor(None, store, backend=backend).run(graph))
    clips = edit.clips(graph, {n: results[n].video for n in graph.nodes})
    spec = edit.film_spec(board, graph)
    assemble.assemble(clips, dataclasses.replace(spec, review=False), path.with_suffix(".mp4"))


def run() -> list[tuple[str, str, str]]:
    from storyfilm.localark.embedded import LocalServer

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp, LocalServer(render_slots=4, concurrency=40) as server:
        path = story(Path(tmp))
        render(path, server)
        rerun = min(render(path, server) for _ in range(3))
        cli_wall, proc = cli("film", str(path), "-o", str(path.with_suffix(".mp4")), server=server)
        assert proc.returncode == 0, proc.stderr
        startup, _ = cli("--help", server=server)  # what any CLI run pays before it does anything
        verify_wall, proc = cli("verify", str(path), server=server)
        assert proc.returncode == 0, proc.stderr
        per_mb, size, cold = hashing(Path(tmp))
        rows = [("unchanged re-run of 20 shots, in-process (every object hashed)", f"{rerun:.2f} s", "< 1 s"),
                ("unchanged re-run of 20 shots, CLI process", f"{cli_wall:.2f} s (start-up alone {startup:.2f} s)",
                 "< 1 s"),
                ("sha256 of stored objects", f"{per_mb:.2f} ms per MB", ""),
                ("verifying the 20-shot store from cold (40 objects)", f"{cold:.0f} ms for {size:.1f} MB", ""),
                ("storyfilm verify of the 20-shot film (CLI process)", f"{verify_wall:.2f} s", "")]
        return rows + threads_cost(path, server.base_url)
