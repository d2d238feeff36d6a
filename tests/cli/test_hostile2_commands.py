"""Second hostile pass on the commands: a storyboard that is not one (broken, an image, a FIFO)
given to `verify` and `gc` is one located line and exit 2, as `validate` says it, and nothing in
the store changes; an over-budget film is one short message however many shots it has."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import make_image
from storyfilm import cli

BROKEN = "title: Broken\nshots:\n  - id: one\n    prompt: [\n"
BROKEN_LINE = ("{story}:5:1: invalid YAML: did not find expected node content (parsing a flow node started at "
               "line 5, column 1)\n")
KEY = "sk-test-hostile2-budget"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A render cache with one object in it, which nothing here may touch."""
    objects = tmp_path / ".storyfilm" / "objects"
    objects.mkdir(parents=True)
    (objects / ("ab" * 32)).write_bytes(b"an orphan object a folder's gc would remove")
    return tmp_path / ".storyfilm"


def test_verify_reads_the_storyboard_as_validate_does(tmp_path: Path, capsys) -> None:
    """It exited 0 (`0 objects checked`) on a storyboard `validate` refuses."""
    story = tmp_path / "broken.yaml"
    story.write_text(BROKEN, encoding="utf-8")
    assert _run(["validate", str(story)]) == 2
    told = capsys.readouterr().err
    assert told == BROKEN_LINE.format(story=story)
    assert (_run(["verify", str(story)]), capsys.readouterr()) == (2, ("", told))
    assert [p.name for p in tmp_path.iterdir()] == ["broken.yaml"]  # no store made


def _not_a_storyboard(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path gc is given as a storyboard, and the line it must answer."""
    if kind == "image":
        path = make_image(tmp_path / "poster.png", 32, 32)
        return path, f"{path}:1:1: this is a PNG image, not a storyboard (YAML text)"
    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
        return path, f"{path}:1:1: the storyboard is not a regular file (a pipe, socket or device)"
    if kind == "broken":
        path = tmp_path / "broken.yaml"
        path.write_text(BROKEN, encoding="utf-8")
        return path, BROKEN_LINE.format(story=path).rstrip("\n")
    path = tmp_path / "gone.yaml"
    return path, f"{path}:1:1: no such storyboard file"


@pytest.mark.parametrize("kind", ["image", "fifo", "broken", "missing"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_gc_given_what_is_no_storyboard_says_so(tmp_path: Path, store: Path, kind: str, dry_run: bool,
                                                 capsys) -> None:
    """An image, a broken storyboard: exit 0 ("no render cache", or a collection); a FIFO: 'no such
    storyboard or folder', which it is not."""
    path, line = _not_a_storyboard(tmp_path, kind)
    before = _files(store)
    status = _run(["gc", str(path), *(["--dry-run"] if dry_run else [])])
    assert (status, capsys.readouterr()) == (2, ("", line + "\n"))
    assert _files(store) == before


def _numbered(count: int, long_every: int) -> str:
    lines = ["title: Many", "defaults:", "  duration: 3", "shots:"]
    for n in range(count):
        lines += [f"  - id: s{n:03d}", f"    prompt: Shot {n}."]
        if n % long_every == long_every - 1:
            lines.append("    duration: 10")
    return "\n".join(lines) + "\n"


def test_over_budget_names_the_total_the_limit_and_the_costliest_shots(tmp_path: Path, ark_server, monkeypatch,
                                                                      capsys) -> None:
    """It listed every shot to render: 400 lines for 400 shots."""
    story = tmp_path / "many.yaml"
    story.write_text(_numbered(400, long_every=100), encoding="utf-8")
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = sum(ark_server.ark.stats.values())
    film = tmp_path / "many.mp4"
    assert _run(["film", str(story), "--max-cost", "1", "-o", str(film)]) == 3
    upstream = "render: upstream shot '{}' renders first; never rendered  (7.37 CNY)"  # 10 s of 1.0 pro at 720p
    assert capsys.readouterr().err.splitlines() == [
        "this render would cost 914.08 CNY, more than --max-cost 1.00; nothing was spent. 400 shots to render; "
        "the costliest:",
        *(f"  s{n}99: " + upstream.format(f"s{n}98") for n in range(4)),
        "  s000: render: never rendered  (2.23 CNY)",  # then storyboard order
        "  and 395 more shots (882.35 CNY)",
    ]
    assert sum(ark_server.ark.stats.values()) == before
    assert not film.exists() and not (tmp_path / "many.lock.json").exists()


def test_serve_on_an_address_it_cannot_listen_on_is_one_line(capsys) -> None:
    """It printed its banner ("Local ark server: tasks at ..."), then uvicorn's log, and exited 3."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert _run(["serve", "--port", str(port)]) == 2
        assert capsys.readouterr() == ("", f"serve: cannot listen on 127.0.0.1:{port}: Address already in use\n")
    assert _run(["serve", "--host", "no-such-host.invalid", "--port", "8000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("serve: cannot listen on no-such-host.invalid:8000: ") and err.count("\n") == 1


def test_serve_with_an_empty_api_key_is_refused_not_open_to_any_key(capsys) -> None:
    """`--api-key "$KEY"` with KEY unset accepted every key, as no --api-key does."""
    assert _run(["serve", "--api-key", ""]) == 2
    assert capsys.readouterr().err == ("storyfilm serve: argument --api-key: empty; give the key to accept, or leave "
                                       "the option out to accept any (see `storyfilm serve --help`)\n")


def test_gc_of_a_folder_with_no_storyboards_and_no_cache_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    """`gc ~/Pictures` said "no render cache ...: nothing to remove" and exited 0; a folder of
    storyboards never rendered still says that."""
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    make_image(pictures / "poster.png", 32, 32)
    assert _run(["gc", str(pictures)]) == 2
    assert capsys.readouterr() == ("", f"{pictures}: no storyboards (.yaml) and no render cache "
                                       f"({pictures / '.storyfilm'}) here; give the folder of your storyboards, "
                                       "or storyboards\n")
    monkeypatch.chdir(pictures)
    assert _run(["gc"]) == 2  # the default: the current folder
    capsys.readouterr()
    (pictures / "film.yaml").write_text(BROKEN, encoding="utf-8")
    assert _run(["gc", str(pictures)]) == 0
    assert capsys.readouterr().out == f"no render cache at {pictures / '.storyfilm'}: nothing to remove\n"


def test_serve_assets_that_is_a_file_is_told_as_a_file(tmp_path: Path, capsys) -> None:
    """It said "no such folder" of a file that is there."""
    library = tmp_path / "assets.zip"
    library.write_bytes(b"PK\x03\x04")
    assert _run(["serve", "--assets", str(library)]) == 2
    assert capsys.readouterr().err == f"--assets {library}: is a file, not a folder\n"


def test_quiet_before_the_command_and_verbose_after_it_are_refused(tmp_path: Path, capsys) -> None:
    """Each was allowed on its own side of the command: both were set, quiet for output, verbose for logs."""
    story = tmp_path / "broken.yaml"
    story.write_text(BROKEN, encoding="utf-8")
    assert _run(["-q", "validate", "-v", str(story)]) == 2
    assert capsys.readouterr().err == ("storyfilm: -q/--quiet and -v/--verbose: give one or the other "
                                       "(see `storyfilm --help`)\n")
