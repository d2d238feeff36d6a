"""`storyfilm` / `python -m pipeline`: film, validate, plan, serve, doctor. One exit point."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pipeline import ffmpeg, plan, storyboard
from pipeline.errors import StoryfilmError
from pipeline.settings import Settings, redact


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return args.run(args, settings) or 0
    except StoryfilmError as exc:
        print(redact(str(exc), settings.api_key), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storyfilm", description="Turn a YAML storyboard into a film.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    film = sub.add_parser("film", help="render a storyboard into build/<name>.mp4")
    film.add_argument("story", type=Path)
    film.add_argument("-o", "--output", type=Path, help="the film's path (default build/<story>.mp4)")
    film.add_argument("--max-cost", type=float, metavar="CNY",
                      help="refuse, before spending anything, when what must render costs more")
    part = film.add_mutually_exclusive_group()
    part.add_argument("--only", metavar="SHOT", help="render only this shot (and the shots it starts from)")
    part.add_argument("--until", metavar="SHOT", help="render the film up to and including this shot")
    film.add_argument("--json", action="store_true", help="machine-readable progress: one JSON event a line")
    film.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    film.add_argument("--concurrency", type=int, metavar="N", help="tasks in flight per model (default: its limit)")
    film.set_defaults(run=_film)

    validate = sub.add_parser("validate", help="check a storyboard; exit 2 with every problem")
    validate.add_argument("story", type=Path)
    validate.set_defaults(run=_validate)

    show = sub.add_parser("plan", help="show the shots, their dependencies and their cost")
    show.add_argument("story", type=Path)
    show.set_defaults(run=_plan)

    serve = sub.add_parser("serve", help="run the local Ark-compatible server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--api-key", help="accept only this bearer token (default: any)")
    serve.set_defaults(run=_serve)

    doctor = sub.add_parser("doctor", help="check that ffmpeg is there and works")
    doctor.set_defaults(run=_doctor)
    return parser


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    board = storyboard.load(args.story)
    print(f"{args.story}: ok ({len(board.shots)} shots)")
    return 0


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    graph = plan.compile_plan(storyboard.load(args.story))
    rows = [("shot", "model", "size", "seconds", "after", "tokens", "cost")]
    for job in plan.jobs(graph):
        after = ", ".join(graph.predecessors(job.id)) or "-"
        rows.append((job.id, job.model.name, f"{job.width}x{job.height}", f"{job.frames / 24:.2f}", after,
                     f"{job.tokens:,}", f"{job.cost:.2f}"))
    rows.append(("total", "", "", f"{sum(j.frames for j in plan.jobs(graph)) / 24:.2f}", "",
                 f"{sum(j.tokens for j in plan.jobs(graph)):,}", f"{plan.total_cost(graph):.2f} CNY"))
    _table(rows)
    return 0


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _film(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import film

    if args.max_cost is not None and args.max_cost < 0:
        raise StoryfilmError("--max-cost must be 0 or more")
    options = film.FilmOptions(output=args.output, only=args.only, until=args.until, max_cost=args.max_cost,
                               as_json=args.json, store=args.store, concurrency=args.concurrency)
    outcome = film.run(args.story, settings, options)
    if not args.json:
        film.summary(outcome, sys.stdout)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from pipeline.ark.server import LocalArk

    ark = LocalArk(api_key=args.api_key)
    print(f"Local Ark server: http://{args.host}:{args.port}/api/v3 (Ctrl-C to stop)")
    uvicorn.run(ark.app(settings.tasks_path), host=args.host, port=args.port, log_level="info")
    return 0


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    exe = ffmpeg.ffmpeg_exe()
    version = ffmpeg.run(["-version"], what="report its version").stdout.decode().splitlines()[0]
    print(f"ffmpeg: {exe}\n        {version}")
    return 0
