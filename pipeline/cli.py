# PYTHON_ARGCOMPLETE_OK
"""`storyfilm` / `python -m storyfilm`: film, validate, plan, status, cancel, schema, serve, verify, gc, doctor.
One exit point."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

import argcomplete

from storyfilm.mediaio import runner
from storyfilm import planning
from storyfilm.planning import views
from storyfilm.errors import StoryboardError, StoryfilmError, UsageError
from storyfilm.settings import Settings, redact
from storyfilm.mediaio.inputs import load_storyboard


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    argcomplete.autocomplete(parser)  # answers only when the shell asks for completions (_ARGCOMPLETE set)
    args = parser.parse_args(argv)
    _logging(args)
    try:
        settings = Settings.from_env()
    except StoryfilmError as exc:  # a bad environment variable: one line, never a traceback
        print(exc, file=sys.stderr)
        return exc.exit_code
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        status = args.run(args, settings) or 0
        sys.stdout.flush()  # a closed pipe shows here, not in Python's exit-time flush
        return status
    except BrokenPipeError:
        return _reader_gone()
    except StoryfilmError as exc:
        print(redact(str(exc), settings.api_key), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _reader_gone() -> int:
    """The reader of our output went away (`| head -1`): stop quietly with the status a process
    killed by SIGPIPE has (128 + 13), as `yes | head -1` does."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # keep the exit-time flush quiet
    return 128 + signal.SIGPIPE


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM stops like Ctrl-C: through the SIGINT handler in place (a render's event loop cancels
    its work and says what still runs on the service), so nothing is left half done or running."""
    handler = signal.getsignal(signal.SIGINT)
    if not callable(handler):
        raise KeyboardInterrupt
    handler(signal.SIGINT, frame)


ENVIRONMENT = """environment:
  ARK_API_KEY       Volcengine Ark API key; unset: render previews on the local server, nothing spent
  ARK_BASE_URL      the Ark API base (default https://ark.cn-beijing.volces.com/api/v3), or a gateway's host
  ARK_TASKS_PATH    the tasks path under the base (default: the gateway profile's)
  ARK_GATEWAY       the service profile: ark (default), volc-proxy or videos-gateway (see serve --profile)
  STORYFILM_FAULTS  faults the local server injects, e.g. 429=0.1,5xx=0.05 (see serve --faults)
  STORYFILM_SETTLE  seconds a create whose answer was lost may take to land before it is sent again (default 12)
  FFMPEG            the ffmpeg binary (default: ffmpeg on PATH, else the imageio-ffmpeg wheel's)"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                      help="print only results and errors: no progress, notes or summary")
    loud.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                      help="log each HTTP request (never the key) and ffmpeg command on stderr")
    parser = argparse.ArgumentParser(prog="storyfilm", description="Turn a YAML storyboard into a film.",
                                     epilog=ENVIRONMENT, parents=[common],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(required=True, metavar="COMMAND", title="commands")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common], epilog=ENVIRONMENT,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    story_help = "the storyboard (a .yaml file)"
    film = command("film", "render a storyboard into build/<name>.mp4")
    film.add_argument("story", type=Path, help=story_help)
    film.add_argument("-o", "--output", type=Path, help="the film's path (default build/<story>.mp4)")
    film.add_argument("--max-cost", type=float, metavar="CNY",
                      help="refuse, before spending anything, when what must render costs more")
    part = film.add_mutually_exclusive_group()
    part.add_argument("--only", metavar="SHOT", help="render only this shot (and the shots it starts from)")
    part.add_argument("--until", metavar="SHOT", help="render the film up to and including this shot")
    film.add_argument("--json", action="store_true", help="machine-readable progress: one JSON event a line")
    film.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    film.add_argument("--concurrency", type=int, metavar="N", help="tasks in flight per model (default: its limit)")
    film.add_argument("--watch", action="store_true",
                      help="film again on every save of the storyboard or a media file it names (Ctrl-C stops)")
    film.set_defaults(run=_film)

    validate = command("validate", "check storyboards; exit 2 with every problem")
    validate.add_argument("stories", type=Path, nargs="+", metavar="story", help="one or more storyboards")
    validate.set_defaults(run=_validate)

    show = command("plan", "show the shots, their dependencies and their cost")
    show.add_argument("story", type=Path, help=story_help)
    show.add_argument("--format", choices=("table", "json"), default="table",
                      help="a table for people (default) or JSON for programs")
    show.add_argument("--graph", choices=("mermaid", "dot"), help="print the dependency graph instead")
    show.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    show.set_defaults(run=_plan)

    check = command("status", "exit 0 when the film and its lock file are current, 1 (listing what would "
                               "render, why and what it would cost) when not, like make -q")
    check.add_argument("story", type=Path, help=story_help)
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="lines for people (default) or JSON for programs: each shot's state and reasons as fields")
    check.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    check.set_defaults(run=_status)

    stop = command("cancel", "cancel the storyboard's tasks still queued on the service (nothing paid for them); "
                             "say which still run")
    stop.add_argument("story", type=Path, help=story_help)
    stop.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    stop.set_defaults(run=_cancel)

    serve = command("serve", "run the local Ark-compatible server")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    serve.add_argument("--api-key", help="accept only this bearer token, on /_local/stats too (default: any)")
    serve.add_argument("--allow-local-media", action="store_true",
                       help="fetch media from, and post callbacks to, private, loopback and link-local "
                            "addresses (the real service cannot reach them, so they are refused by default)")
    serve.add_argument("--refuse-seed", action="append", metavar="FAMILY", choices=("1.0", "1.5", "2.0", "2.5"),
                       help="answer a seed for this model family (1.0, 1.5, 2.0, 2.5) "
                       "with 400 InvalidParameter, as a service that takes none would")
    serve.add_argument("--faults", metavar="SPEC", help="inject faults, e.g. 429=0.1,5xx=0.05,drop=0.02,"
                                                         "fail=0.1,truncate=0.1,queue=0.2-0.5,run=1 "
                                                         "(default: $STORYFILM_FAULTS)")
    serve.add_argument("--profile", choices=("ark", "volc-proxy", "videos-gateway"), default=None,
                       help="the service to act as: ark (/api/v3/contents/generations/tasks), volc-proxy "
                            "(/volc/v1/contents/generations/tasks, seed 003) or videos-gateway (/v1/videos, "
                            "seed 004) (default: $ARK_GATEWAY, else ark)")
    serve.add_argument("--assets", type=Path, metavar="DIR",
                       help="the asset library: asset://NAME reads DIR/NAME, else DIR/NAME.<ext> of the item's kind")
    serve.set_defaults(run=_serve)

    verify = command("verify", "check every stored clip and frame the storyboard refers to")
    verify.add_argument("story", type=Path, help=story_help)
    verify.add_argument("--store", type=Path, help="media store and journal (default .storyfilm beside the story)")
    verify.set_defaults(run=_verify)

    gc = command("gc", "remove from the render cache the takes no lock file needs, keeping each shot's "
                       "newest takes; says what it frees")
    gc.add_argument("paths", type=Path, nargs="*", metavar="STORY|DIR", default=[Path(".")],
                    help="a folder of storyboards (default: the current one), or storyboards in one folder: "
                         "only their old takes go")
    gc.add_argument("--keep-takes", type=int, default=1, metavar="N",
                    help="finished takes to keep per shot besides those a lock file names (default 1: the newest)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    gc.add_argument("--store", type=Path, help="media store and journal (default .storyfilm in the folder)")
    gc.set_defaults(run=_gc)

    schema = command("schema", "print the storyboard JSON Schema (for editors and other tools)")
    schema.add_argument("--path", action="store_true",
                        help="print the installed schema file's path instead, to point an editor at")
    schema.set_defaults(run=_schema)

    doctor = command("doctor", "check that ffmpeg is there and works")
    doctor.set_defaults(run=_doctor)
    return parser


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("storyfilm")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _logging(args: argparse.Namespace) -> None:
    """-v: our debug lines (ffmpeg commands) and httpx's one line per request (method, URL, status;
    never headers, so never the key); -q: errors only."""
    if getattr(args, "verbose", False):
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
        logging.getLogger("storyfilm").setLevel(logging.DEBUG)
        logging.getLogger("httpx").setLevel(logging.INFO)
    elif getattr(args, "quiet", False):
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr)


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    problems = []
    for story in args.stories:
        try:
            board = load_storyboard(story)
        except StoryboardError as exc:
            problems += exc.problems
            continue
        for warning in board.warnings:
            print(warning, file=sys.stderr)
        if not getattr(args, "quiet", False):
            print(f"{story}: ok ({len(board.shots)} shots, {sum(s.seconds for s in board.shots):g} s)")
    if problems:
        raise StoryboardError(problems)
    return 0


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    graph = planning.compile_plan(load_storyboard(args.story))
    if args.graph:
        print(views.as_mermaid(graph) if args.graph == "mermaid" else views.as_dot(graph))
        return 0
    from storyfilm import film

    statuses = film.plan_status(graph, args.story, settings, store=args.store)
    print(views.as_json(graph, statuses) if args.format == "json" else views.as_table(graph, statuses))
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import film

    state = film.status(args.story, settings, store=args.store)
    if args.format == "json":
        print(views.status_json(args.story, state.current, state.film, state.lock_file, state.cost, state.statuses,
                                state.stale))
        return 0 if state.current else 1
    if state.current:
        if not getattr(args, "quiet", False):
            print(f"{args.story}: up to date ({state.film}, {state.lock_file})")
        return 0
    print(f"{args.story}: not up to date; `storyfilm film` would spend {state.cost:.2f} CNY")
    for line in state.stale:
        print(f"  {line}")
    return 1


def _film(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import film, outputs

    if args.max_cost is not None and args.max_cost < 0:
        raise UsageError("--max-cost must be 0 or more")
    options = film.FilmOptions(output=args.output, only=args.only, until=args.until, max_cost=args.max_cost,
                               as_json=args.json, store=args.store, concurrency=args.concurrency)
    quiet = getattr(args, "quiet", False) and not args.json  # --json lines are results, not chatter
    if args.watch:
        from storyfilm import watch

        return watch.watch(args.story, settings, options, quiet=quiet)
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        outcome = film.run(args.story, settings, options, out=devnull if quiet else None)
    if not args.json and not quiet:
        outputs.summary(outcome, sys.stdout)
    return 0


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import film
    from storyfilm.ark.lost_create import LostCreates
    from storyfilm.rendering import cancel

    from storyfilm.seedance import gateways

    board = load_storyboard(args.story)
    graph = planning.compile_plan(board)
    if settings.uses_local_backend:
        print(f"{args.story}: no ARK_API_KEY: previews render on a local server that stops with its render, so no "
              "task waits there; nothing to cancel")
        return 0
    gateway = gateways.chosen(settings.gateway, board.gateway, str(args.story))
    settle = LostCreates() if settings.settle is None else LostCreates(settle=settings.settle)
    outcomes, notes = cancel.cancel_story(graph, args.store or args.story.parent / ".storyfilm",
                                          gateways.base_url(gateway, settings.base_url), settings.api_key,
                                          gateway=gateway, tasks_path=settings.tasks_path,
                                          backend=film.backend_name(settings), lost_creates=settle)
    print(cancel.report(outcomes, notes))
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from storyfilm.localark.app import LocalArk
    from storyfilm.seedance import gateways

    gateway = gateways.named(args.profile or settings.gateway)
    if args.assets is not None and not args.assets.is_dir():
        raise UsageError(f"--assets {args.assets}: no such folder")
    ark = LocalArk(api_key=args.api_key, faults=args.faults or settings.faults, gateway=gateway, assets=args.assets,
                   allow_local_media=args.allow_local_media, refuse_seed=args.refuse_seed or ())
    path = gateway.prefix.rstrip("/") + "/" + (settings.tasks_path or gateway.tasks_path).strip("/")
    print(f"Local {gateway.name} server: tasks at http://{args.host}:{args.port}{path}, base URL "
          f"http://{args.host}:{args.port}{gateway.prefix} (Ctrl-C to stop)")
    uvicorn.run(ark.app(settings.tasks_path), host=args.host, port=args.port, log_level="info")
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm.rendering import verify

    print(verify.summary(verify.verify(args.story, args.store)))
    return 0


def _gc(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm.rendering import gc

    found = gc.collect(args.paths, store=args.store, keep_takes=args.keep_takes, dry_run=args.dry_run)
    lines = gc.summary(found)
    print("\n".join(lines if not getattr(args, "quiet", False) else lines[-1:]))
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm.storyboard.schema import SCHEMA

    if args.path:
        print(Path(str(SCHEMA)).resolve())
    else:
        sys.stdout.write(SCHEMA.read_text(encoding="utf-8"))
    return 0


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    exe = runner.ffmpeg_exe()
    version = runner.run(["-version"], what="report its version").stdout.decode().splitlines()[0]
    print(f"ffmpeg: {exe}\n        {version}")
    return 0
