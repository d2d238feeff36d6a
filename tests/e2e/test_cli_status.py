"""`storyfilm status STORY` answers like `make -q`: 0 when the film and its lock are current, 1
listing what would render, why and at what cost; `status` and `plan` read the journal `--store` names."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli

STORY = ("title: Coffee\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - id: pour\n    prompt: {prompt}\n")
KEY = "sk-status-0123456789"


def test_status_is_0_when_current_and_1_with_what_and_why_when_not(tmp_path: Path, ark_server) -> None:
    env = {"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url}
    story = tmp_path / "coffee.yaml"
    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    store = tmp_path / "elsewhere"

    before = run_cli("status", str(story), env=env)
    assert before.returncode == 1 and "  pour: render: never rendered  (" in before.stdout, before.stderr

    creates = ark_server.ark.stats["create"]
    assert run_cli("film", str(story), "--store", str(store), "-o", str(tmp_path / "coffee.mp4"),
                   env=env).returncode == 0
    assert ark_server.ark.stats["create"] - creates == 1

    film = ("-o", str(tmp_path / "coffee.mp4"))  # the film `film -o` wrote: status asks about the same path
    current = run_cli("status", str(story), "--store", str(store), *film, env=env)
    assert (current.returncode, current.stderr) == (0, ""), current.stdout
    assert current.stdout.startswith(f"{story}: up to date")
    assert run_cli("status", str(story), *film, env=env).returncode == 1  # the default store holds nothing
    elsewhere = run_cli("status", str(story), "--store", str(store), env=env)  # `film` alone writes build/coffee.mp4
    assert elsewhere.returncode == 1 and "  film: `storyfilm film` writes build/coffee.mp4, not" in elsewhere.stdout
    planned = json.loads(run_cli("plan", str(story), "--format", "json", "--store", str(store), env=env).stdout)
    assert [(s["shot"], s["state"], s["will_spend"]) for s in planned["shots"]] == [("pour", "cached", 0.0)]

    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup.\n    caption: Hot"), encoding="utf-8")
    captioned = run_cli("status", str(story), "--store", str(store), *film, env=env)
    assert captioned.returncode == 1 and "  film: the edit changed" in captioned.stdout

    story.write_text(STORY.replace("{prompt}", "Tea pours into a white cup."), encoding="utf-8")
    changed = run_cli("status", str(story), "--store", str(store), *film, env=env)
    assert changed.returncode == 1
    assert "  pour: render: prompt changed" in changed.stdout and "would spend" in changed.stdout
    assert ark_server.ark.stats["create"] - creates == 1  # status and plan never send anything

    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    (tmp_path / "coffee.mp4").unlink()
    missing = run_cli("status", str(story), "--store", str(store), *film, env=env)
    assert missing.returncode == 1 and "coffee.mp4 is missing" in missing.stdout


def test_a_preview_film_just_made_is_current(tmp_path: Path) -> None:
    """The preview backend slates its clips at the join: status must compute the same film key."""
    story = tmp_path / "coffee.yaml"
    story.write_text(STORY.replace("{prompt}", "Coffee pours into a white cup."), encoding="utf-8")
    assert run_cli("film", "-q", str(story), "-o", str(tmp_path / "coffee.mp4")).returncode == 0
    current = run_cli("status", str(story), "-o", str(tmp_path / "coffee.mp4"))
    assert (current.returncode, current.stderr) == (0, ""), current.stdout
    assert "coffee.preview.lock.json" in current.stdout
