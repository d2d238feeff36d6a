"""The film and the inputs it is made of, beyond the shots: its music, its path, its lock."""

from __future__ import annotations

from pathlib import Path

from helpers import assert_refused_up_front, decoded_seconds, run_cli_in_process
from storyfilm import cli
from storyfilm.mediaio import probe, runner

ONE_SHOT = ("title: Music\n"
            "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
            "soundtrack: {file: music.wav}\n"
            "shots:\n  - {id: lamp, prompt: A lamp on a desk.}\n")


def _music(path: Path, hertz: int, seconds: float = 1.0) -> Path:
    runner.run(["-f", "lavfi", "-i", f"sine=f={hertz}:r=48000:d={seconds}", "-y", str(path)], what="make music")
    return path


def test_new_music_under_the_same_name_makes_a_new_film(tmp_path: Path, ark_server, capsys) -> None:
    """The soundtrack's bytes are part of the film's key: a new track saved over music.wav makes
    `status` call the film stale, and the next film joins it (the shot stays cached)."""
    env = {"ARK_API_KEY": "sk-music-0123456789", "ARK_BASE_URL": ark_server.base_url}
    _music(tmp_path / "music.wav", 220)
    story = tmp_path / "music.yaml"
    story.write_text(ONE_SHOT)
    film = tmp_path / "build" / "music.mp4"
    assert run_cli_in_process(capsys, "film", "-q", str(story), "-o", str(film), env=env).returncode == 0
    old_film = film.read_bytes()

    _music(tmp_path / "music.wav", 880, seconds=0.5)
    stale = run_cli_in_process(capsys, "status", str(story), "-o", str(film), env=env)
    assert stale.returncode == 1 and "  film: the edit changed" in stale.stdout, stale.stdout
    creates = ark_server.ark.stats["create"]
    again = run_cli_in_process(capsys, "film", str(story), "-o", str(film), env=env)
    assert again.returncode == 0, again.stderr
    assert "unchanged" not in again.stdout and f"joining 1 clips into {film}" in again.stdout
    assert ark_server.ark.stats["create"] == creates  # the shot is cached
    assert film.read_bytes() != old_film
    assert decoded_seconds(film) > 1.9  # the new, shorter music, looped to the film's length
    assert run_cli_in_process(capsys, "status", str(story), "-o", str(film), env=env).returncode == 0


def test_music_linked_to_the_film_itself_is_refused_up_front(tmp_path: Path, ark_server, monkeypatch,
                                                             capsys) -> None:
    """music.wav a link to the film (whose sound decodes as audio): each film would be the next
    one's music, never the same twice. Refused before anything is sent or written."""
    monkeypatch.setenv("ARK_API_KEY", "sk-music-0123456789")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    story = tmp_path / "loop.yaml"
    story.write_text(ONE_SHOT.replace("soundtrack: {file: music.wav}\n", ""))
    film = tmp_path / "build" / "loop.mp4"
    assert cli.main(["film", "-q", str(story), "-o", str(film)]) == 0
    story.write_text(ONE_SHOT)
    (tmp_path / "music.wav").symlink_to(film)
    capsys.readouterr()
    assert_refused_up_front(["film", str(story), "-o", str(film)], tmp_path, ark_server, capsys,
                            f"{story}: soundtrack: {film} is written by this film (beside {film}): each film would "
                            "change its music and be joined again; use a copy under another name")


CHAINED_CROSSFADE = ("title: Chained crossfade\n"
                     "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                     "shots:\n  - {id: a, prompt: A kite rises.}\n"
                     "  - id: b\n    prompt: The kite turns.\n    trim: {out: 0.5}\n"
                     "    transition: {type: crossfade, duration: %s}\n")


def test_a_chained_shot_is_checked_on_the_frames_the_join_keeps(tmp_path: Path, ark_server, capsys) -> None:
    """b keeps 12 frames, and the join leaves out the first (it repeats a's last): a 12-frame
    crossfade passed validation, was paid for, then failed the join; an 11-frame one films."""
    env = {"ARK_API_KEY": "sk-chain-0123456789", "ARK_BASE_URL": ark_server.base_url}
    story = tmp_path / "kite.yaml"
    story.write_text(CHAINED_CROSSFADE % "0.49")
    creates = ark_server.ark.stats["create"]
    refused = run_cli_in_process(capsys, "film", str(story), env=env)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (f"{story}:8:17: a 0.49 s crossfade needs both shots longer than that (the shorter is "
                              "0.458 s, its first frame left out at the join: it repeats the last frame of 'a')\n")
    assert ark_server.ark.stats["create"] == creates

    story.write_text(CHAINED_CROSSFADE % "0.45")
    film = tmp_path / "kite.mp4"
    made = run_cli_in_process(capsys, "film", "-q", str(story), "-o", str(film), env=env)
    assert made.returncode == 0, made.stderr
    assert probe.probe(film).frames == 49 + 11 - 11  # a, then b's 11 frames, all of them in the crossfade


def test_a_film_path_inside_the_render_store_is_refused_up_front(tmp_path: Path, ark_server, monkeypatch,
                                                                 capsys) -> None:
    """-o .storyfilm/film.mp4 (or a film.mp4 that links there) put the film and its side files among
    the store's objects and joins, where gc and verify tidy: refused before anything is made."""
    monkeypatch.setenv("ARK_API_KEY", "sk-store-0123456789")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    story = tmp_path / "lamp.yaml"
    story.write_text(ONE_SHOT.replace("soundtrack: {file: music.wav}\n", ""))
    store = tmp_path / ".storyfilm"
    inside = store / "lamp.mp4"
    why = "which holds only what storyfilm keeps there (gc and verify tidy it); choose a path outside it (-o, or `output:`)"
    assert_refused_up_front(["film", str(story), "-o", str(inside)], tmp_path, ark_server, capsys,
                            f"the film's path {inside} is inside the render store {store}, {why}")
    assert cli.main(["film", "-q", str(story), "-o", str(tmp_path / "lamp.mp4")]) == 0  # the store is made
    (tmp_path / "linked.mp4").symlink_to(store / "objects" / "lamp.mp4")
    capsys.readouterr()
    assert_refused_up_front(["film", str(story), "-o", str(tmp_path / "linked.mp4")], tmp_path, ark_server, capsys,
                            f"the film's path {tmp_path / 'linked.mp4'} is inside the render store {store}, {why}")
    assert_refused_up_front(["film", str(story), "-o", str(tmp_path / "lamp.mp4"), "--store", str(tmp_path)],
                            tmp_path, ark_server, capsys,
                            f"the film's path {tmp_path / 'lamp.mp4'} is inside the render store {tmp_path}, {why}")
