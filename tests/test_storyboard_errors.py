"""Every bad storyboard gives exactly one FILE:LINE:COL message, exit 2, no traceback, no request."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

BAD = sorted((Path(__file__).parent / "data" / "bad").glob("*.yaml"))


def expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: LINE:COL: message'"
    return f"{path}:{first.removeprefix('# expect: ')}"


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_storyboard(path: Path, ark_server) -> None:
    before = sum(ark_server.ark.stats.values())
    for command in ("validate", "film"):
        proc = run_cli(command, str(path), env={"ARK_API_KEY": "sk-test-0001", "ARK_BASE_URL": ark_server.base_url})
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip() == expected(path)
    assert sum(ark_server.ark.stats.values()) == before  # not one HTTP request


def test_missing_storyboard_file() -> None:
    proc = run_cli("validate", "no/such/story.yaml")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "no/such/story.yaml:1:1: no such storyboard file"
