"""Second hostile pass on paths: every command that takes a storyboard answers a path that is no
readable storyboard with the one line `validate` prints, exit 2, and touches nothing; an empty path
is refused (it read as `.`); a file named like an option is explained."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storyfilm import cli

STORY = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"
COMMANDS = ["validate", "plan", "status", "film", "cancel", "verify", "gc"]


def _run(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _bad_story(kind: str, folder: Path) -> tuple[str, str]:
    """A path given as the storyboard, and the message after its `PATH:1:1: `."""
    if kind == "missing":
        return str(folder / "gone.yaml"), "no such storyboard file"
    if kind == "device":
        return "/dev/zero", "the storyboard is not a regular file (a pipe, socket or device)"
    if kind == "fifo":
        os.mkfifo(folder / "pipe.yaml")  # opened without blocking: no writer ever comes
        return str(folder / "pipe.yaml"), "the storyboard is not a regular file (a pipe, socket or device)"
    huge = folder / "huge.yaml"
    with huge.open("wb") as out:
        out.truncate(3 * 2**20)
    return str(huge), "the storyboard is 3.1 MB; storyfilm reads storyboards up to 2 MB"


@pytest.mark.parametrize("kind", ["missing", "device", "fifo", "huge"])
@pytest.mark.parametrize("command", COMMANDS)
def test_no_storyboard_is_one_located_line(command: str, kind: str, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARK_API_KEY", raising=False)
    path, problem = _bad_story(kind, tmp_path)
    before = _listing(tmp_path)
    assert (_run([command, path]), capsys.readouterr()) == (2, ("", f"{path}:1:1: {problem}\n"))
    assert _listing(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission")
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreadable_storyboard_is_one_located_line(command: str, tmp_path: Path, capsys) -> None:
    story = tmp_path / "secret.yaml"
    story.write_text(STORY, encoding="utf-8")
    story.chmod(0)
    assert _run([command, str(story)]) == 2
    assert capsys.readouterr().err == f"{story}:1:1: cannot read the storyboard: Permission denied\n"


@pytest.mark.parametrize("argv, where", [
    (["gc", ""], "gc: argument STORY|DIR"),  # collected the current folder's render cache
    (["film", "{story}", "--store", ""], "film: argument --store"),  # made the store in the current folder
    (["plan", "{story}", "--store", ""], "plan: argument --store"),
    (["validate", ""], "validate: argument story"),  # said `.:1:1: the storyboard is a directory`
    (["film", "{story}", "-o", ""], "film: argument -o/--output"),
])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(argv: list[str], where: str, tmp_path: Path,
                                                                 monkeypatch, capsys) -> None:
    story = tmp_path / "two.yaml"
    story.write_text(STORY, encoding="utf-8")
    cache = tmp_path / ".storyfilm" / "joins" / "piece.mp4"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"a piece of the join cache, which a folder's gc removes")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARK_API_KEY", raising=False)
    before = _listing(tmp_path)
    command = where.split(":")[0]
    assert _run([a.format(story=story) for a in argv]) == 2
    assert capsys.readouterr().err == (f"storyfilm {where}: an empty path; give a file or folder "
                                       f"(see `storyfilm {command} --help`)\n")
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("command", ["validate", "plan", "film", "gc"])
def test_a_storyboard_named_like_an_option_is_explained(command: str, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-draft.yaml").write_text(STORY, encoding="utf-8")
    assert _run([command, "-draft.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "; -draft.yaml is a file: write ./-draft.yaml (or put -- before it) (see `storyfilm" in err
    assert _run(["validate", "--", "-draft.yaml"]) == 0


LONG = "a" * 300  # over NAME_MAX (255): pathlib's exists() and is_dir() raise ENAMETOOLONG


@pytest.mark.parametrize("argv, where", [
    (["validate", LONG + ".yaml"], "validate: argument story"),
    (["gc", LONG], "gc: argument STORY|DIR"),
    (["plan", "{story}", "--store", LONG], "plan: argument --store"),
    (["film", "{story}", "-o", f"build/{LONG}.mp4"], "film: argument -o/--output"),
    (["serve", "--assets", LONG], "serve: argument --assets"),
])
def test_a_name_too_long_is_one_line_not_a_traceback(argv: list[str], where: str, tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    monkeypatch.chdir(tmp_path)
    story = tmp_path / "two.yaml"
    story.write_text(STORY, encoding="utf-8")
    given = [a.format(story=story) for a in argv]
    shown = next(a for a in given if LONG in a)[:40]
    assert _run(given) == 2
    command = where.split(":")[0]
    assert capsys.readouterr().err == (f"storyfilm {where}: {shown}...: a name too long for the file system "
                                       f"(see `storyfilm {command} --help`)\n")


def test_names_inside_the_storyboard_too_long_or_looping_are_located(tmp_path: Path, capsys) -> None:
    """Each was a traceback: OSError from is_dir(), RuntimeError from Path.resolve()."""
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    looping, long = tmp_path / "looping.yaml", tmp_path / "long.yaml"
    looping.write_text("title: Odd\nshots:\n  - id: one\n    prompt: A.\n    first_frame: loop1/still.png\n",
                       encoding="utf-8")
    long.write_text(f"title: Odd\noutput: {LONG}.mp4\nshots:\n  - id: one\n    prompt: A.\n", encoding="utf-8")
    assert _run(["validate", str(looping), str(long)]) == 2
    assert capsys.readouterr().err == (
        f"{long}:2:9: `output` {LONG}.mp4: File name too long\n"
        f"{looping}:5:18: first_frame: cannot read loop1/still.png: Too many levels of symbolic links\n")


def test_status_of_a_lock_file_naming_an_impossible_film_path_is_not_a_traceback(tmp_path: Path, ark_server,
                                                                                 monkeypatch, capsys) -> None:
    """A lock file edited by hand (or merged badly): its film path a name too long raised OSError."""
    import json

    monkeypatch.setenv("ARK_API_KEY", "sk-test-hostile2-status")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    story = tmp_path / "two.yaml"
    story.write_text("title: One\ndefaults: {duration: 2, resolution: 480p}\nshots:\n  - id: one\n    prompt: A.\n",
                     encoding="utf-8")
    assert _run(["film", str(story), "-o", str(tmp_path / "two.mp4"), "-q"]) == 0
    lock = tmp_path / "two.lock.json"
    entry = json.loads(lock.read_text(encoding="utf-8"))
    entry["film"]["path"] = LONG + ".mp4"
    lock.write_text(json.dumps(entry), encoding="utf-8")
    capsys.readouterr()
    assert _run(["status", str(story)]) == 1
    assert capsys.readouterr().out == (f"{story}: not up to date; `storyfilm film` would spend 0.00 CNY\n"
                                       f"  film: {tmp_path / LONG}.mp4 is missing or not the film two.lock.json "
                                       "records\n")


def test_an_unknown_option_too_long_for_a_file_name_is_one_line(capsys) -> None:
    option = "--" + LONG
    assert _run(["validate", "x.yaml", option]) == 2
    assert capsys.readouterr().err == f"storyfilm: unrecognized arguments: {option} (see `storyfilm --help`)\n"
