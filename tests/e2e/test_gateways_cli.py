"""A storyboard's `gateway:` as the CLI meets it: a wrong name is a located error, a gateway without
a host or one that disagrees with ARK_GATEWAY stops before anything is sent, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path


from helpers import REPO, run_cli_in_process
from storyfilm.seedance.gateways import GATEWAYS

STORY = """\
title: gateway
gateway: {gateway}
shots:
  - id: a
    model: doubao-seedance-1-0-pro-250528
    prompt: A paper boat drifts on a pond.
"""


def _story(tmp_path: Path, gateway: str) -> Path:
    story = tmp_path / "g.yaml"
    story.write_text(STORY.format(gateway=gateway), encoding="utf-8")
    return story


def test_the_schema_names_every_profile() -> None:
    schema = json.loads((REPO / "pipeline" / "storyboard" / "storyboard.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["gateway"]["enum"] == list(GATEWAYS)


def test_an_unknown_gateway_is_a_located_error(tmp_path: Path, capsys) -> None:
    story = _story(tmp_path, "volc")
    proc = run_cli_in_process(capsys, "validate", str(story))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"{story}:2:10: `gateway` must be one of ark, volc-proxy, videos-gateway (got \"volc\")\n"


def test_a_gateway_without_a_host_or_against_ark_gateway_sends_nothing(tmp_path: Path, capsys) -> None:
    story = _story(tmp_path, "videos-gateway")
    no_host = run_cli_in_process(capsys, "film", str(story), "-q", cwd=tmp_path,
                                 env={"ARK_API_KEY": "sk-never-sent-1234"})
    assert no_host.returncode == 2 and "Traceback" not in no_host.stderr
    assert no_host.stderr == ("gateway videos-gateway has no default host: set ARK_BASE_URL to it (e.g. "
                              "https://gateway.example.com; requests go to <ARK_BASE_URL>/v1/videos)\n")
    both = run_cli_in_process(capsys, "film", str(story), "-q", cwd=tmp_path, env={"ARK_GATEWAY": "volc-proxy"})
    assert both.returncode == 2 and both.stderr == (
        f"{story} says gateway: videos-gateway, but ARK_GATEWAY=volc-proxy: unset ARK_GATEWAY or change the "
        "storyboard's gateway\n")
    assert not list(tmp_path.rglob("*.mp4")) and "sk-never-sent-1234" not in no_host.stdout + no_host.stderr


def test_a_film_refused_for_its_gateway_writes_nothing(tmp_path: Path, capsys) -> None:
    # (run from the repository, as this file's tests once were, it left build/.g.mp4.lock there)
    story = _story(tmp_path, "videos-gateway")
    refused = run_cli_in_process(capsys, "film", str(story), "-q", cwd=tmp_path,
                                 env={"ARK_API_KEY": "sk-never-sent-1234"})
    assert refused.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml"]
