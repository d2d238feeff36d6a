"""The documented Python API, used only through its documented names: storyfilm.validate,
storyfilm.plan, storyfilm.render (README, "Python API"); `import storyfilm` alone stays cheap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import storyfilm
from storyfilm.errors import OverBudget, StoryboardError, UsageError

STORY = ("title: Boat\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - id: pond\n    prompt: A paper boat drifts on a pond.\n"
         "  - id: reeds\n    prompt: The boat drifts into the reeds.\n")


def test_the_api_is_exported_documented_and_import_is_cheap() -> None:
    assert {"render", "validate", "plan"} <= set(storyfilm.__all__)
    assert storyfilm.validate.__doc__ and storyfilm.validate.__annotations__
    for name in ("render", "plan"):  # also subpackage names: the API is their documented __call__
        assert "storyfilm." + name + "(" in storyfilm.__doc__
    loaded = subprocess.run([sys.executable, "-c", "import sys, storyfilm; "
                             "print(sorted(m for m in sys.modules if m.startswith(('storyfilm.', 'networkx', "
                             "'httpx', 'yaml', 'rich'))))"], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_validate_and_plan_a_storyboard(tmp_path: Path) -> None:
    story = tmp_path / "boat.yaml"
    story.write_text(STORY, encoding="utf-8")
    assert [s.id for s in storyfilm.validate(story).shots] == ["pond", "reeds"]
    graph = storyfilm.plan(story)
    assert list(graph) == ["pond", "reeds"] and all(graph.nodes[n]["job"].cost > 0 for n in graph)
    story.write_text(STORY.replace("prompt: A paper", "prompt: [A paper"), encoding="utf-8")
    with pytest.raises(StoryboardError, match=r"boat\.yaml"):
        storyfilm.plan(story)


def test_render_makes_the_film_and_refuses_over_budget(tmp_path: Path, ark_server) -> None:
    story = tmp_path / "boat.yaml"
    story.write_text(STORY, encoding="utf-8")
    env = {"ARK_API_KEY": "sk-api-0123456789", "ARK_BASE_URL": ark_server.base_url}
    with pytest.raises(OverBudget, match="nothing was spent"):
        storyfilm.render(story, max_cost=0.01, env=env)
    creates = ark_server.ark.stats["create"]
    run = storyfilm.render(story, output=tmp_path / "boat.mp4", env=env)
    assert ark_server.ark.stats["create"] - creates == 2
    assert run.output == tmp_path / "boat.mp4" and run.output.stat().st_size > 0
    assert run.lock_file == tmp_path / "boat.lock.json" and run.spent > 0 and not run.preview
    assert sorted(run.results) == ["pond", "reeds"]


@pytest.mark.parametrize("limits, message", [
    ({"max_cost": float("nan")}, "--max-cost nan: give an amount of CNY, 0 or more"),  # no limit at all, else
    ({"max_cost": -1.0}, "--max-cost must be 0 or more"),
    ({"concurrency": 0}, "--concurrency 0: give 1 or more tasks in flight"),
])
def test_render_refuses_the_limits_the_film_command_refuses(tmp_path: Path, ark_server, limits: dict,
                                                            message: str) -> None:
    story = tmp_path / "boat.yaml"
    story.write_text(STORY, encoding="utf-8")
    env = {"ARK_API_KEY": "sk-api-0123456789", "ARK_BASE_URL": ark_server.base_url}
    creates = ark_server.ark.stats["create"]
    with pytest.raises(UsageError) as refused:
        storyfilm.render(story, output=tmp_path / "boat.mp4", env=env, **limits)
    assert str(refused.value) == message
    assert ark_server.ark.stats["create"] == creates and sorted(p.name for p in tmp_path.iterdir()) == ["boat.yaml"]
