# PYTHON_ARGCOMPLETE_OK
"""`storyfilm` / `python -m storyfilm`: film, validate, plan, status, cancel, schema, serve, verify, gc, doctor.

    parser    the argument tree: every command, option and environment variable, with its help
    commands  one function per command
    main      (here) the one exit point: where errors are shown and exit codes chosen
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys

from storyfilm.errors import StoryfilmError
from storyfilm.settings import Settings, redact

# httpx loads its own command-line tool (rich, pygments, click) whenever those happen to be
# installed: 3 MB and 60 ms at every start, for a tool storyfilm never runs. Marked absent before
# httpx is first imported, httpx falls back to its stub (`httpx.main` says to install httpx[cli]).
sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:  # while starting (loading the commands, parsing): nothing ran yet
        _ending_on_ctrl_c(argv)
        print("interrupted", file=sys.stderr)
        return 130


def _ending_on_ctrl_c(argv: list[str] | None) -> None:
    """The command ends because of Ctrl-C (exit 130), its message about to be told: another Ctrl-C
    from here on, while Python shuts down (threads joined, handlers reset), would end the process by
    the signal itself (-2) or with a traceback, after the message. It changes nothing now, so it is
    ignored. Only for the process's own command line: an in-process caller's Ctrl-C stays its own."""
    if argv is None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(argv: list[str] | None) -> int:
    if argv is None:
        _in_utf8()
    from storyfilm.cli import parser as arguments  # the commands and all they load: a Ctrl-C in it is main's

    parser = arguments.build()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (argcomplete: 2 MB, loaded only then)
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if getattr(args, "quiet", False) and getattr(args, "verbose", False):  # `-q COMMAND -v`: one on each side
        parser.error("-q/--quiet and -v/--verbose: give one or the other")
    _logging(args)
    try:
        settings = Settings.from_env()
        if args.run is not arguments.commands.serve:  # serve reads its own --faults and --profile first
            _check_faults(settings)
            _check_gateway(settings)
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
        if exc.exit_code == 130:  # Interrupted: what the render left on the service
            _ending_on_ctrl_c(argv)
        print(redact(str(exc), settings.api_key), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a disk or permission fault no layer foresaw: where and what, never a traceback
        print(redact(_os_error(exc), settings.api_key), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _ending_on_ctrl_c(argv)
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _in_utf8() -> None:
    """Run again in Python's UTF-8 mode where this one is not in it (PYTHONUTF8=0, a locale whose
    encoding is not UTF-8): storyboards are UTF-8, and a Chinese file name or prompt read from one
    could not be opened, passed to ffmpeg, listed or printed in ASCII. (Under LC_ALL=C, or with
    LANG unset, Python is in UTF-8 mode already.) The arguments go again as the bytes they came as."""
    if sys.flags.utf8_mode or sys.getfilesystemencoding().lower().replace("-", "") == "utf8":
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-X", "utf8", "-m", "storyfilm", *sys.argv[1:]],
              {**os.environ, "PYTHONUTF8": "1"})


def _check_faults(settings: Settings) -> None:
    """STORYFILM_FAULTS is read by the local server a render starts: a spec it cannot read is told
    here, before a render takes the store's lock or writes a file."""
    if settings.faults and settings.uses_local_backend:
        from storyfilm.errors import FaultSpecError
        from storyfilm.localark.faults import Faults

        try:
            Faults.parse(settings.faults)
        except FaultSpecError as exc:
            raise FaultSpecError(f"STORYFILM_FAULTS: {exc}") from None


def _check_gateway(settings: Settings) -> None:
    """ARK_GATEWAY names a profile: a typo is told by every command (`plan` and `status` too, which
    show what a render would do), not only by the ones that send."""
    if settings.gateway:
        from storyfilm.seedance import gateways

        gateways.named(settings.gateway)


def _os_error(exc: OSError) -> str:
    """One line: the path (both, for a rename) and what the system said, e.g.
    `build/x.mp4: No space left on device (ENOSPC)`."""
    paths = " -> ".join(os.fsdecode(p) for p in (exc.filename, exc.filename2) if p is not None)
    code = errno.errorcode.get(exc.errno or 0)
    said = f"{exc.strerror or exc}" + (f" ({code})" if code else "")
    where = paths.replace("\n", "\\n").replace("\r", "\\r")  # one line, whatever a name holds
    return f"{where}: {said}" if where else f"stopped: {said}"


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


def _logging(args: argparse.Namespace) -> None:
    """-v: our debug lines (ffmpeg commands) and httpx's one line per request (method, URL, status;
    never headers, so never the key); -q: errors only."""
    if getattr(args, "verbose", False):
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
        logging.getLogger("storyfilm").setLevel(logging.DEBUG)
        logging.getLogger("httpx").setLevel(logging.INFO)
    elif getattr(args, "quiet", False):
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
