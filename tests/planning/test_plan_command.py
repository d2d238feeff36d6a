"""`storyfilm plan`: the table, JSON and graph views agree with the plan and with ark-api.md's
token and price rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import REPO
from storyfilm import cli
from storyfilm.seedance import models
from storyfilm import planning
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


AD_TABLE = """\
shot     mode         model             size      seconds  after    tokens   cost      this run
orchard  first frame  Seedance 1.0 pro  1248x704  3        -        62,634   0.94      render: never rendered
slice    first frame  Seedance 1.0 pro  1248x704  3        orchard  62,634   0.94      render: upstream shot 'orchard' renders first; never rendered
shake    first frame  Seedance 1.0 pro  1248x704  3        slice    62,634   0.94      render: upstream shot 'slice' renders first; never rendered
pour     text         Seedance 1.0 pro  1248x704  3        -        62,634   0.94      render: never rendered
label    first frame  Seedance 1.0 pro  1248x704  3        pour     62,634   0.94      render: upstream shot 'pour' renders first; never rendered
cheers   first frame  Seedance 1.0 pro  1248x704  4        label    83,226   1.25      render: upstream shot 'label' renders first; never rendered
-----------------------------------------------------------------------------------------------
total                 6 shots                     19                396,396  5.95 CNY
critical path: pour → label → cheers
this run: 6 of 6 shots render, 5.95 CNY
"""
BRANCH_MERMAID = """\
flowchart LR
  s_table["table<br/>first frame, 2 s"]
  s_ending_eat["ending-eat<br/>first frame, 2 s"]
  s_ending_tea["ending-tea<br/>first frame, 2 s"]
  s_table -->|last frame| s_ending_eat
  s_table -->|last frame| s_ending_tea
"""
BRANCH_DOT = """\
digraph "branch" {
  rankdir=LR;
  node [shape=box];
  "table" [label="table\\nfirst frame, 2 s"];
  "ending-eat" [label="ending-eat\\nfirst frame, 2 s"];
  "ending-tea" [label="ending-tea\\nfirst frame, 2 s"];
  "table" -> "ending-eat" [label="last frame"];
  "table" -> "ending-tea" [label="last frame"];
}
"""


def test_table_of_a_storyboard_never_rendered(tmp_path: Path, capsys) -> None:
    """1248x704 x 73 frames / 1024 = 62,634 tokens at 15 CNY per million (ark-api.md §11.2)."""
    shutil.copytree(REPO / "storyboards", tmp_path, dirs_exist_ok=True,  # never rendered: no cache, no lock file
                    ignore=shutil.ignore_patterns(".storyfilm", "*.lock.json"))
    assert cli.main(["plan", str(tmp_path / "ad.yaml")]) == 0
    assert capsys.readouterr().out == AD_TABLE
    assert not (tmp_path / ".storyfilm").exists()  # looking leaves no journal behind


def test_graphs_have_one_edge_per_dependency(capsys) -> None:
    assert cli.main(["plan", str(REPO / "storyboards" / "branch.yaml"), "--graph", "mermaid"]) == 0
    assert capsys.readouterr().out == BRANCH_MERMAID
    assert cli.main(["plan", str(REPO / "storyboards" / "branch.yaml"), "--graph", "dot"]) == 0
    assert capsys.readouterr().out == BRANCH_DOT


def test_endpoint_ids_name_their_family(tmp_path: Path) -> None:
    story = tmp_path / "ep.yaml"
    story.write_text("title: Endpoint\ndefaults: {model: ep-20260101-abcde, model_family: 2.0-fast, duration: 4}\n"
                     "shots:\n  - id: a\n    prompt: A.\n", encoding="utf-8")
    job = planning.jobs(planning.compile_plan(load_storyboard(story)))[0]
    assert job.model.id == "doubao-seedance-2-0-fast-260128"
    assert job.request(None, data_url)["model"] == "ep-20260101-abcde"
    assert (job.width, job.height) == (1280, 720)  # 2.x sizes, adaptive text shot planned at 16:9


def test_model_table_pixel_sizes_differ_by_family() -> None:
    pro, v15, v25 = (models.MODELS[m] for m in ("doubao-seedance-1-0-pro-250528", "doubao-seedance-1-5-pro-251215",
                                                "doubao-seedance-2-5-260628"))
    assert pro.size("720p", "16:9") == (1248, 704) and v15.size("720p", "16:9") == (1280, 720)
    assert pro.size("1080p", "16:9") == (1920, 1088) and v25.size("480p", "16:9") == (854, 480)
    assert len(models.MODELS) == 9
    for model in models.MODELS.values():  # a price for everything a model renders
        for resolution in model.resolutions:
            for audio in (False, True):
                assert model.price_per_million(resolution, audio=audio) > 0
    assert [f for f in range(20, 300) if models.valid_frames(f)] == list(range(29, 290, 4))
