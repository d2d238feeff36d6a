"""`storyfilm plan`'s cost is what `storyfilm film` then spends, by the token usage the local server
returns: across models, resolutions, ratios, durations, frames and the flex tier, and with two
shots of one content key (one render, paid once, so the film's figures count it once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyfilm import cli

SHOTS = [  # model, resolution, ratio, length
    ("doubao-seedance-1-0-pro-250528", "480p", "16:9", "duration: 2"),
    ("doubao-seedance-1-0-pro-250528", "1080p", "9:16", "duration: 2"),
    ("doubao-seedance-1-0-pro-250528", "480p", "21:9", "frames: 29"),
    ("doubao-seedance-1-0-pro-250528", "480p", "16:9", "duration: 2\n    service_tier: flex"),
    ("doubao-seedance-1-0-pro-fast-251015", "480p", "4:3", "duration: 3"),
    ("doubao-seedance-1-0-lite-t2v-250428", "720p", "3:4", "duration: 2"),
    ("doubao-seedance-1-5-pro-251215", "480p", "1:1", "duration: 4\n    generate_audio: false"),
    ("doubao-seedance-1-5-pro-251215", "480p", "16:9", "duration: 4"),
    ("doubao-seedance-2-0-260128", "480p", "16:9", "duration: 4"),
    ("doubao-seedance-2-0-fast-260128", "480p", "21:9", "duration: 4"),
    ("doubao-seedance-2-0-mini-260615", "720p", "1:1", "duration: 4"),
    ("doubao-seedance-2-5-260628", "480p", "16:9", "duration: 4"),
]
TWIN = "    cut: true\n    model: doubao-seedance-1-0-pro-250528\n    resolution: 480p\n    duration: 2\n    seed: 5\n"


def _story(path: Path) -> Path:
    shots = [f"  - id: s{n}\n    cut: true\n    model: {model}\n    resolution: {size}\n    ratio: \"{ratio}\"\n"
             f"    {length}\n    prompt: Shot {n}, a lamp in the rain.\n" for n, (model, size, ratio, length) in enumerate(SHOTS)]
    shots += [f"  - id: {twin}\n{TWIN}    prompt: The same kite.\n" for twin in ("kite", "kite-again")]
    path.write_text("title: Prices\nshots:\n" + "".join(shots), encoding="utf-8")
    return path


def test_plan_costs_what_the_film_then_spends(tmp_path: Path, ark_server, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARK_API_KEY", "sk-plan-truth-0123")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    story = _story(tmp_path / "prices.yaml")
    assert cli.main(["plan", str(story), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert cli.main(["film", str(story), "--json", "-o", str(tmp_path / "prices.mp4")]) == 0
    film = json.loads(capsys.readouterr().out.splitlines()[-1])

    returned = {s["shot"]: s["returned"]["cost"] for s in film["per_shot"]}
    assert {s["shot"]: s["cost"] for s in plan["shots"]} == returned  # each shot's price, by its task's tokens
    paid = plan["total"]["will_spend"]
    assert paid == plan["total"]["cost"] == pytest.approx(sum(returned.values()) - returned["kite-again"], abs=1e-3)
    assert film["actual_cost"] == pytest.approx(paid, abs=1e-3)
    assert film["film_cost"] == pytest.approx({"planned": paid, "returned": paid}, abs=1e-3)  # the twin once

    assert cli.main(["film", str(story), "-o", str(tmp_path / "prices.mp4")]) == 0
    assert f"film             planned {paid:.2f} CNY, returned {paid:.2f} CNY\n" in capsys.readouterr().out
