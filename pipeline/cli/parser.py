"""The argument tree: every command, option and environment variable, each with its help."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path
from typing import NoReturn

from storyfilm.cli import commands


ENVIRONMENT = """environment:
  ARK_API_KEY       Volcengine Ark API key; unset: render previews on the local server, nothing spent
  ARK_BASE_URL      the Ark API base (default https://ark.cn-beijing.volces.com/api/v3), or a gateway's host
  ARK_TASKS_PATH    the tasks path under the base (default: the gateway profile's)
  ARK_GATEWAY       the service profile: ark (default), volc-proxy or videos-gateway (see serve --profile)
  STORYFILM_FAULTS  faults the local server injects, e.g. 429=0.1,5xx=0.05 (see serve --faults)
  STORYFILM_SETTLE  seconds a create whose answer was lost may take to land before it is sent again (default 12)
  STORYFILM_LOST_CREATE_DEADLINE  seconds the whole look for a lost create may take (default: settle + 20)
  STORYFILM_REQUEST_TIMEOUT  seconds one request to the service waits for its answer (default 60)
  STORYFILM_CALL_DEADLINE  seconds one call (a GET, a list, a DELETE), all its retries included, may take (default 150)
  STORYFILM_CREATE_DEADLINE  seconds one shot's create, every try and look included, may take (default 300)
  FFMPEG            the ffmpeg binary (default: ffmpeg on PATH, else the imageio-ffmpeg wheel's)"""


NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems


class _Parser(argparse.ArgumentParser):
    """A bad command line is one line on stderr, exit 2, like every other bad input (not argparse's
    usage block): the line names the command and where its options are listed."""

    given: list[str] = []  # the command line being parsed (every subparser's error sees it)

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        _Parser.given = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}{_dash_file_hint(_Parser.given)} (see `{self.prog} --help`)\n")


def _dash_file_hint(argv: list[str]) -> str:
    """A file whose name starts with a dash is read as an option: say how to name it."""
    named = next((a for a in argv if a.startswith("-") and a not in ("-", "--") and os.path.isfile(a)), None)
    return f"; {named} is a file: write ./{named} (or put -- before it)" if named else ""


def build() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                      help="print only results and errors: no progress, notes or summary")
    loud.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                      help="log each HTTP request (never the key) and ffmpeg command on stderr")
    parser = _Parser(prog="storyfilm", description="Turn a YAML storyboard into a film.",
                                     epilog=ENVIRONMENT, parents=[common],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(required=True, metavar="COMMAND", title="commands")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common], epilog=ENVIRONMENT,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    story_help = "the storyboard (a .yaml file)"
    film = command("film", "render a storyboard into build/<name>.mp4")
    film.add_argument("story", type=_path, help=story_help)
    film.add_argument("-o", "--output", type=_path, help="the film's path (default build/<story>.mp4)")
    film.add_argument("--max-cost", type=float, metavar="CNY",
                      help="refuse, before spending anything, when what must render costs more")
    part = film.add_mutually_exclusive_group()
    part.add_argument("--only", metavar="SHOT", help="render only this shot (and the shots it starts from)")
    part.add_argument("--until", metavar="SHOT", help="render the film up to and including this shot")
    film.add_argument("--json", action="store_true", help="machine-readable progress: one JSON event a line")
    film.add_argument("--store", type=_path, help="media store and journal (default .storyfilm beside the story)")
    film.add_argument("--concurrency", type=int, metavar="N", help="tasks in flight per model (default: its limit)")
    film.add_argument("--watch", action="store_true",
                      help="film again on every save of the storyboard or a media file it names (Ctrl-C stops)")
    film.set_defaults(run=commands.film)

    validate = command("validate", "check storyboards; exit 2 with every problem")
    validate.add_argument("stories", type=_path, nargs="+", metavar="story", help="one or more storyboards")
    validate.set_defaults(run=commands.validate)

    show = command("plan", "show the shots, their dependencies and their cost")
    show.add_argument("story", type=_path, help=story_help)
    show.add_argument("--format", choices=("table", "json"), default="table",
                      help="a table for people (default) or JSON for programs")
    show.add_argument("--graph", choices=("mermaid", "dot"), help="print the dependency graph instead")
    show.add_argument("--store", type=_path, help="media store and journal (default .storyfilm beside the story)")
    show.set_defaults(run=commands.plan)

    check = command("status", "exit 0 when the film and its lock file are current, 1 (listing what would "
                               "render, why and what it would cost) when not, like make -q")
    check.add_argument("story", type=_path, help=story_help)
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="lines for people (default) or JSON for programs: each shot's state and reasons as fields")
    check.add_argument("-o", "--output", type=_path,
                       help="the film's path, as given to `film -o` (default: the storyboard's output)")
    check.add_argument("--store", type=_path, help="media store and journal (default .storyfilm beside the story)")
    check.set_defaults(run=commands.status)

    stop = command("cancel", "cancel the storyboard's tasks still queued on the service (nothing paid for them); "
                             "say which still run")
    stop.add_argument("story", type=_path, help=story_help)
    stop.add_argument("--store", type=_path, help="media store and journal (default .storyfilm beside the story)")
    stop.add_argument("--forget-unanswered", action="store_true",
                      help="on a gateway without a task list: forget creates that were sent and never answered "
                           "(check the gateway's console first), so the next film creates those shots again")
    stop.set_defaults(run=commands.cancel)

    serve = command("serve", "run the local Ark-compatible server")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="the port to listen on (default 8000)")
    serve.add_argument("--api-key", type=_not_empty,
                       help="accept only this bearer token, on /_local/stats too (default: any)")
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
    serve.add_argument("--assets", type=_path, metavar="DIR",
                       help="the asset library: asset://NAME reads DIR/NAME, else DIR/NAME.<ext> of the item's kind")
    serve.set_defaults(run=commands.serve)

    verify = command("verify", "check every stored clip and frame the storyboard refers to")
    verify.add_argument("story", type=_path, help=story_help)
    verify.add_argument("--store", type=_path, help="media store and journal (default .storyfilm beside the story)")
    verify.set_defaults(run=commands.verify)

    gc = command("gc", "remove from the render cache the takes no lock file needs, keeping each shot's "
                       "newest takes; says what it frees")
    gc.add_argument("paths", type=_path, nargs="*", metavar="STORY|DIR", default=[Path(".")],
                    help="a folder of storyboards (default: the current one), or storyboards in one folder: "
                         "only their old takes go")
    gc.add_argument("--keep-takes", type=int, default=1, metavar="N",
                    help="finished takes to keep per shot besides those a lock file names (default 1: the newest)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    gc.add_argument("--store", type=_path, help="media store and journal (default .storyfilm in the folder)")
    gc.set_defaults(run=commands.gc)

    schema = command("schema", "print the storyboard JSON Schema (for editors and other tools)")
    schema.add_argument("--path", action="store_true",
                        help="print the installed schema file's path instead, to point an editor at")
    schema.set_defaults(run=commands.schema)

    doctor = command("doctor", "check that ffmpeg is there and works")
    doctor.set_defaults(run=commands.doctor)
    return parser


def _path(text: str) -> Path:
    """A path as given; an empty one (an unset $STORY) is refused, never read as `.`, the current
    folder (`gc ""` would collect it, `--store ""` would fill it with the store)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path; give a file or folder")
    too_long = any(len(os.fsencode(part)) > NAME_MAX for part in Path(text).parts)
    try:
        os.lstat(text)
    except OSError as exc:  # ENAMETOOLONG escapes pathlib's exists() and is_dir(): told here, once
        too_long = too_long or exc.errno == errno.ENAMETOOLONG
    if too_long:  # a folder that does not exist yet hides it from lstat: the parts are measured too
        raise argparse.ArgumentTypeError(f"{text[:40]}...: a name too long for the file system")
    return Path(text)


def _not_empty(text: str) -> str:
    """--api-key "$KEY" with KEY unset would accept any key: refused, not read as "no key"."""
    if not text:
        raise argparse.ArgumentTypeError("empty; give the key to accept, or leave the option out to accept any")
    return text


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is no port: give 0 to 65535")
    return port


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("storyfilm")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


