"""A flex shot is watched through the task list like any other: a list without
filter.service_tier shows the default tier only (ark-api.md §9.1), so the poller asks for the ids
it lacks among the flex tasks, rather than reading each by a GET every round."""

from __future__ import annotations

from pathlib import Path

from helpers import counted, render_story, server_counts
from storyfilm.localark.embedded import LocalServer

STORY = """\
title: Flex
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}
shots:
  - id: cheap
    prompt: A paper boat drifts on a pond.
    service_tier: flex
  - id: plain
    cut: true
    prompt: A kite over a beach.
"""


def test_flex_and_default_shots_are_polled_by_list_not_by_get(tmp_path: Path) -> None:
    story = tmp_path / "flex.yaml"
    story.write_text(STORY, encoding="utf-8")
    with LocalServer(faults="queue=0.3") as server:
        before = server_counts(server)
        run = render_story(story, server)
        assert sorted(run.results) == ["cheap", "plain"]
        seen = counted(before, server)
        assert seen["create"] == 2 and seen["list"] >= 2 and "get" not in seen, seen
        tiers = sorted(t.spec.service_tier for t in server.ark.tasks.values())
        assert tiers == ["default", "flex"]
