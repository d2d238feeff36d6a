"""`make bench`: run every tests/bench/bench_*.py and print their figures as one table.

Each bench module has `run()` returning rows of (figure, value, target): tuples, or dicts with
those keys.
Benchmarks measure; they never fail the test suite.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent)]


def main(names: list[str]) -> int:
    rows: list[tuple[str, str, str, str]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if names and name not in names:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for row in module.run():
            figure, value, target = (row["figure"], row["value"], row.get("target", "")) if isinstance(row, dict) \
                else row
            rows.append((name, str(figure), str(value), str(target)))
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    header = ("bench", "figure", "value", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
