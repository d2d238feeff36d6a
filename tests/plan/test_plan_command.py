"""`storyfilm plan`: the table, JSON and graph views agree with the plan and with ark-api.md's
token and price rules."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REPO, run_cli
from storyfilm import cli
from storyfilm.seedance import models
from storyfilm import plan
from storyfilm.mediaio.inputs import load_storyboard, data_url

AD = REPO / "storyboards" / "ad.yaml"


def test_json_totals_follow_the_token_formula_and_prices(capsys) -> None:
    assert cli.main(["plan", str(AD), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for row in data["shots"]:
        assert row["tokens"] == row["width"] * row["height"] * row["frames"] // 1024
        assert row["frames"] == 24 * row["seconds"] + 1
        price = models.MODELS[row["model"]].price_per_million("720p")
        assert abs(row["cost"] - row["tokens"] * price / 1e6) < 1e-4
    assert data["total"]["tokens"] == sum(r["tokens"] for r in data["shots"])
    assert abs(data["total"]["cost"] - sum(r["cost"] for r in data["shots"])) < 1e-3
    assert [r["after"] for r in data["shots"]] == [[], ["orchard"], ["slice"], [], ["pour"], ["label"]]
    assert data["critical_path"] == ["pour", "label", "cheers"]  # 3 + 3 + 4 s beats 3 + 3 + 3 s


def test_table_lists_every_shot_and_the_total(capsys) -> None:
    assert cli.main(["plan", str(AD)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["shot", "mode", "model", "size", "seconds", "after", "tokens", "cost", "this", "run"]
    board = load_storyboard(AD)
    for shot, line in zip(board.shots, out[1:]):
        assert line.startswith(shot.id)
    total = next(line for line in out if line.startswith("total"))
    assert f"{plan.total_cost(plan.compile_plan(board)):.2f} CNY" in total


def test_graphs_have_one_edge_per_dependency() -> None:
    graph = plan.compile_plan(load_storyboard(REPO / "storyboards" / "branch.yaml"))
    mermaid = run_cli("plan", "storyboards/branch.yaml", "--graph", "mermaid").stdout
    assert mermaid.startswith("flowchart LR")
    assert mermaid.count("-->") == graph.number_of_edges() == 2
    assert "s_table -->|last frame| s_ending_tea" in mermaid
    dot = run_cli("plan", "storyboards/branch.yaml", "--graph", "dot").stdout
    assert dot.startswith('digraph "branch"') and dot.rstrip().endswith("}")
    assert dot.count("->") == 2 and '"table" -> "ending-eat"' in dot


def test_endpoint_ids_name_their_family(tmp_path: Path) -> None:
    story = tmp_path / "ep.yaml"
    story.write_text("title: Endpoint\ndefaults: {model: ep-20260101-abcde, model_family: 2.0-fast, duration: 4}\n"
                     "shots:\n  - id: a\n    prompt: A.\n", encoding="utf-8")
    job = plan.jobs(plan.compile_plan(load_storyboard(story)))[0]
    assert job.model.id == "doubao-seedance-2-0-fast-260128"
    assert job.request(None, data_url)["model"] == "ep-20260101-abcde"
    assert (job.width, job.height) == (1280, 720)  # 2.x sizes, adaptive text shot planned at 16:9


def test_model_table_pixel_sizes_differ_by_family() -> None:
    pro, v15, v25 = (models.MODELS[m] for m in ("doubao-seedance-1-0-pro-250528", "doubao-seedance-1-5-pro-251215",
                                                "doubao-seedance-2-5-260628"))
    assert pro.size("720p", "16:9") == (1248, 704) and v15.size("720p", "16:9") == (1280, 720)
    assert pro.size("1080p", "16:9") == (1920, 1088) and v25.size("480p", "16:9") == (854, 480)
    assert len(models.MODELS) == 9 and all(m.prices for m in models.MODELS.values())
    assert [f for f in range(20, 300) if models.valid_frames(f)] == list(range(29, 290, 4))
