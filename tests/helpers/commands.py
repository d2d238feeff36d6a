"""storyfilm's command line run in this process."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
from pathlib import Path

import pytest

from .processes import REPO


def run_cli_in_process(capsys: pytest.CaptureFixture[str], *args: str, env: dict[str, str] | None = None,
                       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`storyfilm ARGS` as run_cli runs it (no ARK_ variable but `env`'s, in `cwd`, by default the
    repository) and with what it answers (exit status, stdout, stderr), but in this process: for a
    test about what a command says, not about the process (the OS's exit status, signals, a closed
    pipe, the UTF-8 re-exec), without a Python start and storyfilm's imports per command."""
    from storyfilm import cli

    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch, _logging_as_in_a_process():
        for name in [name for name in os.environ if name.startswith("ARK_")]:
            patch.delenv(name)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        patch.chdir(cwd or REPO)
        try:
            status = cli.main(list(args))
        except SystemExit as exit_:  # argparse's errors leave through SystemExit, as a process exit
            status = exit_.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["storyfilm", *args], status, out, err)


@contextlib.contextmanager
def _logging_as_in_a_process():
    """Logging as a fresh process has it: no handler, so a warning is printed on stderr (Python's
    last resort) as a user sees it, not kept by pytest's log capture; -q/-v's setup undone after."""
    loggers = [logging.getLogger(name) for name in ("", "storyfilm", "httpx")]
    saved = [(logger, logger.handlers[:], logger.level) for logger in loggers]
    logging.getLogger().handlers.clear()
    try:
        yield
    finally:
        for logger, handlers, level in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
