"""binary: an ffmpeg that runs and is no usable ffmpeg (a stub, one too old, one that cannot encode)
is refused once, in one line, exit 2, before a media file is judged or a shot paid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import make_image, run_cli, server_counts
from storyfilm.errors import FfmpegUnusable
from storyfilm.mediaio import binary

STORY = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"
STUB = "FFMPEG=/bin/true is not ffmpeg: `-version` printed nothing\n"


def fake_ffmpeg(folder: Path, version_line: str, otherwise: str) -> Path:
    """A script that prints `version_line` for -version, and runs `otherwise` (shell) for anything else."""
    script = folder / "ffmpeg"
    script.write_text("#!/bin/sh\n"
                      f'for a in "$@"; do [ "$a" = -version ] && {{ echo "{version_line}"; exit 0; }}; done\n'
                      f"{otherwise}\n")
    script.chmod(0o755)
    return script


@pytest.fixture
def fresh(monkeypatch):
    """checked() looks again (it caches its answer) and forgets what the test set up."""
    binary.checked.cache_clear()
    yield monkeypatch
    binary.checked.cache_clear()


def test_film_with_a_stub_for_ffmpeg_spends_nothing(tmp_path: Path, ark_server) -> None:
    """FFMPEG=/bin/true: the film was created, paid, and failed at its last frame, three times."""
    (tmp_path / "two.yaml").write_text(STORY)
    before = server_counts(ark_server)
    done = run_cli("film", "two.yaml", cwd=tmp_path, env={"FFMPEG": "/bin/true", "ARK_API_KEY": "sk-test-binary",
                                                          "ARK_BASE_URL": ark_server.base_url})
    assert (done.returncode, done.stdout, done.stderr) == (2, "", STUB)
    assert server_counts(ark_server) == before  # not one request
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.yaml"]  # no store, build/ or lock file


def test_a_stubs_decoding_does_not_make_media_valid(tmp_path: Path) -> None:
    """validate called a storyboard's picture valid: /bin/true 'decoded' it, exit 0."""
    make_image(tmp_path / "still.png", 640, 360)
    (tmp_path / "one.yaml").write_text("title: One\nshots:\n  - id: one\n    prompt: A.\n    first_frame: still.png\n")
    done = run_cli("validate", "one.yaml", cwd=tmp_path, env={"FFMPEG": "/bin/true"})
    assert (done.returncode, done.stdout, done.stderr) == (2, "", STUB)


def test_serve_with_a_stub_does_not_listen() -> None:
    done = run_cli("serve", "--port", "0", env={"FFMPEG": "/bin/true"})
    assert (done.returncode, done.stdout, done.stderr) == (2, "", STUB)


def test_an_ffmpeg_older_than_5_1_is_named_with_its_version(fresh, tmp_path: Path) -> None:
    old = fake_ffmpeg(tmp_path, "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021", "exit 0")
    fresh.setenv("FFMPEG", str(old))
    with pytest.raises(FfmpegUnusable) as err:
        binary.checked()
    assert str(err.value) == (f"FFMPEG={old} is ffmpeg 4.4, older than 5.1: set FFMPEG to ffmpeg 5.1 or newer "
                              "(pip install imageio-ffmpeg brings one)")


def test_an_ffmpeg_that_cannot_encode_is_named_with_its_words(fresh, tmp_path: Path) -> None:
    no_x264 = fake_ffmpeg(tmp_path, "ffmpeg version 6.1.1 Copyright (c) 2000-2023",
                          "echo \"Unknown encoder 'libx264'\" >&2; exit 8")
    fresh.setenv("FFMPEG", str(no_x264))
    with pytest.raises(FfmpegUnusable) as err:
        binary.checked()
    assert str(err.value) == (f"FFMPEG={no_x264} cannot encode a trial frame with libx264 (Unknown encoder "
                              "'libx264'); set FFMPEG to an ffmpeg that can")


def test_an_ffmpeg_that_writes_nothing_is_refused(fresh, tmp_path: Path) -> None:
    mute = fake_ffmpeg(tmp_path, "ffmpeg version n7.1 Copyright (c) 2000-2024", "exit 0")
    fresh.setenv("FFMPEG", str(mute))
    with pytest.raises(FfmpegUnusable, match=r"exit status 0, no H\.264 written"):
        binary.checked()


def test_the_real_one_is_checked_once(fresh) -> None:
    fresh.delenv("FFMPEG", raising=False)
    first = binary.checked()
    assert first.version.startswith("ffmpeg version") and os.access(first.path, os.X_OK)
    assert binary.checked() is first  # cached: one check per process
