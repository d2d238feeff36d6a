"""Every bad storyboard gives exactly one FILE:LINE:COL message, exit 2, no traceback, no request.

Each file in tests/data/bad starts with `# expect: LINE:COL: message`: one line per fault, in the
order they are reported (most files hold one fault; a few prove that faults of different passes
are all told at once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli
from storyfilm import cli

BAD = sorted((Path(__file__).parents[1] / "data" / "bad").glob("*.yaml"))
KEY = "sk-test-0001"


def expected(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# expect: "), f"{path.name} must start with '# expect: LINE:COL: message'"
    expects = [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]
    return "\n".join(f"{path}:{e}" for e in expects)


def test_each_bad_storyboard_is_a_different_fault() -> None:
    """At least 40 of them (a glob that finds none must not pass as no failures), none a copy of another."""
    assert len(BAD) >= 40
    messages = [line.split(":", 3)[-1] for path in BAD for line in expected(path).splitlines()]
    assert [m for m in messages if messages.count(m) > 1] == []


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_storyboard(path: Path, ark_server, monkeypatch, capsys) -> None:
    """`validate` and `film` (with a key, against a server that counts requests) both refuse."""
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = sum(ark_server.ark.stats.values())
    for command in ("validate", "film"):
        assert cli.main([command, str(path)]) == 2
        err = capsys.readouterr().err
        assert err.strip() == expected(path)
        assert KEY not in err
    assert sum(ark_server.ark.stats.values()) == before  # not one HTTP request


@pytest.mark.parametrize("name", ["yaml-syntax", "refs-continuing", "image-too-small"])
def test_bad_storyboard_as_a_process(name: str, ark_server) -> None:
    """The same through a real process: exit 2, one line, no traceback."""
    path = Path(__file__).parents[1] / "data" / "bad" / f"{name}.yaml"
    proc = run_cli("film", str(path), env={"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == expected(path)


def test_validate_reports_every_file(tmp_path: Path) -> None:
    bad = [BAD[0], BAD[1]]
    proc = run_cli("validate", "storyboards/ad.yaml", *map(str, bad))
    assert proc.returncode == 2
    assert proc.stdout == "storyboards/ad.yaml: ok (6 shots, 19 s)\n"
    assert proc.stderr.strip().splitlines() == [line for p in bad for line in expected(p).splitlines()]


def test_missing_storyboard_file() -> None:
    proc = run_cli("validate", "no/such/story.yaml")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "no/such/story.yaml:1:1: no such storyboard file"
