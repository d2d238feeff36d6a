"""One function per command: each takes the parsed arguments and the settings and returns the exit
status; errors are raised (storyfilm.errors) for `main` to show."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from storyfilm import planning
from storyfilm.errors import StoryboardError, UsageError
from storyfilm.mediaio import runner
from storyfilm.mediaio.inputs import load_storyboard
from storyfilm.planning import views
from storyfilm.settings import Settings


def validate(args: argparse.Namespace, settings: Settings) -> int:
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


def plan(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import preflight

    preflight.check_store_option(args.store)
    graph = planning.compile_plan(load_storyboard(args.story))
    if args.graph:
        print(views.as_mermaid(graph) if args.graph == "mermaid" else views.as_dot(graph))
        return 0
    from storyfilm import status as film_status

    statuses = film_status.plan_status(graph, args.story, settings, store=args.store)
    print(views.as_json(graph, statuses) if args.format == "json" else views.as_table(graph, statuses))
    return 0


def status(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import preflight
    from storyfilm import status as film_status

    preflight.check_store_option(args.store)
    preflight.check_output_option(args.output, args.story)
    state = film_status.status(args.story, settings, store=args.store, output=args.output)
    if args.format == "json":
        print(views.status_json(args.story, state.current, state.film, state.lock_file, state.cost, state.statuses,
                                state.stale, upper_bound=state.upper_bound))
        return 0 if state.current else 1
    if state.current:
        if not getattr(args, "quiet", False):
            print(f"{args.story}: up to date ({state.film}, {state.lock_file})")
        return 0
    bound = " at most (a shot's length is known only once it is rendered)" if state.upper_bound else ""
    print(f"{args.story}: not up to date; `storyfilm film` would spend {state.cost:.2f} CNY{bound}")
    for line in state.stale:
        print(f"  {line}")
    return 1


def film(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import film, outputs

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


def cancel(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import preflight
    from storyfilm import status as film_status
    from storyfilm.ark.lost_create import LostCreates
    from storyfilm.rendering import cancel

    from storyfilm.seedance import gateways

    preflight.check_store_option(args.store)
    board = load_storyboard(args.story)
    graph = planning.compile_plan(board)
    if settings.uses_local_backend:
        print(f"{args.story}: no ARK_API_KEY: previews render on a local server that stops with its render, so no "
              "task waits there; nothing to cancel")
        return 0
    gateway = gateways.chosen(settings.gateway, board.gateway, str(args.story))
    settle = LostCreates.from_settings(settings)
    outcomes, notes = cancel.cancel_story(graph, args.store or args.story.parent / ".storyfilm",
                                          gateways.base_url(gateway, settings.base_url), settings.api_key,
                                          gateway=gateway, tasks_path=settings.tasks_path,
                                          backend=film_status.backend_name(settings), lost_creates=settle,
                                          forget_unanswered=args.forget_unanswered, story=args.story)
    print(cancel.report(outcomes, notes))
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from storyfilm.localark.app import LocalArk
    from storyfilm.seedance import gateways

    gateway = gateways.named(args.profile or settings.gateway)
    runner.ffmpeg_exe()  # every preview is rendered with it: a binary that cannot is told before listening
    if args.assets is not None and not args.assets.is_dir():
        raise UsageError(f"--assets {args.assets}: " + ("is a file, not a folder" if args.assets.exists() else
                                                         "no such folder"))
    ark = LocalArk(api_key=args.api_key, faults=args.faults or settings.faults, gateway=gateway, assets=args.assets,
                   allow_local_media=args.allow_local_media, refuse_seed=args.refuse_seed or ())
    _check_listen(args.host, args.port)
    path = gateway.prefix.rstrip("/") + "/" + (settings.tasks_path or gateway.tasks_path).strip("/")
    where = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"  # IPv6 in brackets
    print(f"Local {gateway.name} server: tasks at http://{where}{path}, base URL http://{where}{gateway.prefix} "
          "(Ctrl-C to stop)")
    uvicorn.run(ark.app(settings.tasks_path), host=args.host, port=args.port, log_level="info")
    return 0


def _check_listen(host: str, port: int) -> None:
    """An address serve cannot listen on (an unknown host, a port in use) is one line, exit 2, not
    the server's start-up banner, then uvicorn's log and its exit 3."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
    except OSError as exc:
        raise UsageError(f"serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def verify(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import preflight
    from storyfilm.rendering import verify

    preflight.check_store_option(args.store)
    load_storyboard(args.story)  # a broken storyboard is told as `validate` tells it, before the store is opened
    print(verify.summary(verify.verify(args.story, args.store)))
    return 0


def gc(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm import preflight
    from storyfilm.rendering import gc

    preflight.check_store_option(args.store)
    for path in args.paths:  # a storyboard named must be one (a folder is the whole folder's cache)
        if not path.is_dir():
            load_storyboard(path)
    from storyfilm import status as film_status

    def in_use(stories, journal):  # what each storyboard as it is now would film: never removed
        return film_status.keys_in_use(stories, journal, settings)

    found = gc.collect(args.paths, store=args.store, keep_takes=args.keep_takes, dry_run=args.dry_run, wanted=in_use)
    lines = gc.summary(found)
    print("\n".join(lines if not getattr(args, "quiet", False) else lines[-1:]))
    return 0


def schema(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm.storyboard.schema import SCHEMA

    if args.path:
        print(Path(str(SCHEMA)).resolve())
    else:
        sys.stdout.write(SCHEMA.read_text(encoding="utf-8"))
    return 0


def doctor(args: argparse.Namespace, settings: Settings) -> int:
    from storyfilm.mediaio import binary

    ffmpeg = binary.checked()  # no ffmpeg, too old, or cannot encode: FfmpegUnusable, one line
    print(f"ffmpeg: {ffmpeg.path}\n        {ffmpeg.version}")
    return 0
