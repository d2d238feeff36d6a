"""`storyfilm status STORY` answers like `make -q`: 0 when the film and its lock are current, 1
listing what would render, why and at what cost; `status` and `plan` read the journal `--store` names."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from helpers import run_cli, run_cli_in_process

STORY = ("title: Coffee\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - id: pour\n    prompt: {prompt}\n")
KEY = "sk-status-0123456789"


def test_status_is_0_when_current_and_1_with_what_and_why_when_not(tmp_path: Path, ark_server, capsys) -> None:
    env = {"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url}
    story = tmp_path / "coffee.yaml"
    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    store = tmp_path / "elsewhere"
    storyfilm = functools.partial(run_cli_in_process, capsys, env=env)  # in this process, as run_cli would

    before = run_cli("status", str(story), env=env)  # a real process: its exit status as the OS gives it
    assert before.returncode == 1 and "  pour: render: never rendered  (" in before.stdout, before.stderr

    creates = ark_server.ark.stats["create"]
    assert storyfilm("film", str(story), "--store", str(store), "-o", str(tmp_path / "coffee.mp4")).returncode == 0
    assert ark_server.ark.stats["create"] - creates == 1

    film = ("-o", str(tmp_path / "coffee.mp4"))  # the film `film -o` wrote: status asks about the same path
    current = storyfilm("status", str(story), "--store", str(store), *film)
    assert (current.returncode, current.stderr) == (0, ""), current.stdout
    assert current.stdout.startswith(f"{story}: up to date")
    assert storyfilm("status", str(story), *film).returncode == 1  # the default store holds nothing
    elsewhere = storyfilm("status", str(story), "--store", str(store))  # `film` alone writes build/coffee.mp4
    assert elsewhere.returncode == 1 and "  film: `storyfilm film` writes build/coffee.mp4, not" in elsewhere.stdout
    planned = json.loads(storyfilm("plan", str(story), "--format", "json", "--store", str(store)).stdout)
    assert [(s["shot"], s["state"], s["will_spend"]) for s in planned["shots"]] == [("pour", "cached", 0.0)]

    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup.\n    caption: Hot"), encoding="utf-8")
    captioned = storyfilm("status", str(story), "--store", str(store), *film)
    assert captioned.returncode == 1 and "  film: the edit changed" in captioned.stdout

    story.write_text(STORY.replace("{prompt}", "Tea pours into a white cup."), encoding="utf-8")
    changed = storyfilm("status", str(story), "--store", str(store), *film)
    assert changed.returncode == 1
    assert "  pour: render: prompt changed" in changed.stdout and "would spend" in changed.stdout
    assert ark_server.ark.stats["create"] - creates == 1  # status and plan never send anything

    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    (tmp_path / "coffee.mp4").unlink()
    missing = storyfilm("status", str(story), "--store", str(store), *film)
    assert missing.returncode == 1 and "coffee.mp4 is missing" in missing.stdout


def test_a_preview_film_just_made_is_current(tmp_path: Path, capsys) -> None:
    """The preview backend slates its clips at the join: status must compute the same film key."""
    story = tmp_path / "coffee.yaml"
    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    assert run_cli("film", "-q", str(story), "-o", str(tmp_path / "coffee.mp4")).returncode == 0
    current = run_cli_in_process(capsys, "status", str(story), "-o", str(tmp_path / "coffee.mp4"))
    assert (current.returncode, current.stderr) == (0, ""), current.stdout
    assert "coffee.preview.lock.json" in current.stdout
