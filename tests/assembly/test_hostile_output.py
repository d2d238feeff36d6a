"""The film's output handled as a hostile user would: a path that is a folder, a path through a
file, a read-only folder, a file size limit (a full disk). Each stops with one message naming the
path, never a traceback, never a half-written film under the film's name. (The CLI refuses a
wrong `-o` before rendering too: tests/e2e.)"""

from __future__ import annotations

import resource
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import read_only, run_cli, small_disk
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Trim, assemble
from storyfilm.errors import AssemblyError, FilmNotWritten
from storyfilm.mediaio import runner

SPEC = FilmSpec(160, 90, review=False)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[ClipIn]:
    work = tmp_path_factory.mktemp("hostile-output")
    # a trim: the smart join writes the film's picture to its work folder before the mux
    return [ClipIn(_moving(work / "a.mp4", 0), "a"), ClipIn(_moving(work / "b.mp4", 100), "b", trim=Trim(0.5))]


def _moving(path: Path, first: int) -> Path:
    """48 frames of a moving test picture (tens of KB: more than the file size limit below)."""
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s=160x90:r=24,trim=start_frame={first},setpts=PTS-STARTPTS",
                "-frames:v", "48", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1",
                "-y", str(path)], what="make a test clip")
    return path


def test_a_film_path_that_is_a_folder_is_refused_by_name(clips, tmp_path: Path) -> None:
    folder = tmp_path / "film.mp4"
    folder.mkdir()
    with pytest.raises(AssemblyError, match=f"the film's path {folder} is a folder: name a file"):
        assemble(clips, SPEC, folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"]


def test_a_film_path_through_a_file_is_refused_by_name(clips, tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(AssemblyError, match=f"{tmp_path / 'notes'} is a file"):
        assemble(clips, SPEC, tmp_path / "notes" / "film.mp4")


def test_a_read_only_folder_stops_before_the_join_and_keeps_the_film_there(clips, tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "film.mp4").write_bytes(b"the last good cut")
    with read_only(build), pytest.raises(FilmNotWritten, match=f"cannot write the film {build / 'film.mp4'}"):
        assemble(clips, SPEC, build / "film.mp4")
    assert (build / "film.mp4").read_bytes() == b"the last good cut"
    assert sorted(p.name for p in build.iterdir()) == ["film.mp4"]


def test_a_file_size_limit_met_during_the_join_is_one_message(clips, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    assemble(clips, SPEC, film, cache_dir=tmp_path / "cache")  # the pieces cached: no ffmpeg before the mux
    film.write_bytes(b"the last good cut")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, hard))  # ulimit -f: the film's picture is larger
    try:
        with pytest.raises(FilmNotWritten, match=f"cannot write the film {film}: File too large "
                                                 r"\(the film's folder, the join cache or the temporary folder "):
            assemble(clips, SPEC, film, cache_dir=tmp_path / "cache")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert film.read_bytes() == b"the last good cut"
    assert not list(tmp_path.glob(".*partial*"))


def test_review_sheets_that_cannot_be_drawn_leave_no_sheet_cut_short(clips, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    spec = FilmSpec(160, 90)
    first = assemble(clips, spec, film)
    sheet = first.contact_sheet.read_bytes()
    assert len(sheet) > 65536  # more than the file size limit below: the draw cannot finish
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    try:  # ulimit -f 64 from the review on (a disk that fills as the sheets are drawn)
        report = assemble(clips, spec, film,
                          before_review=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (65536, hard)))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert any(w.startswith("review sheets not written") for w in report.warnings)
    # not a PNG cut at 64 KB; nor the last cut's sheet, which would show another film had the cut
    # changed (test_hostile2_stale.py): the next film run draws it again
    assert not first.contact_sheet.exists()
    assert not list(tmp_path.glob(".*partial*"))


def test_two_joins_into_one_path_at_once_leave_one_whole_film(clips, tmp_path: Path) -> None:
    """Two terminals (or a watch and a film) joining two edits into the same path at the same time."""
    edits = [[clips[0], clips[1]], [clips[1], clips[0]]]
    spec = FilmSpec(160, 90, review=False, smart_join=False)  # a whole encode: a second or so of writing
    alone = []
    for k, edit in enumerate(edits):
        assemble(edit, spec, tmp_path / f"alone{k}.mp4")
        alone.append((tmp_path / f"alone{k}.mp4").read_bytes())
    assert alone[0] != alone[1]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def join(edit: list[ClipIn]) -> None:
        try:  # both joins start writing together
            assemble(edit, spec, tmp_path / "film.mp4", join_progress=lambda f: f == 0.0 and start.wait(30))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)
    threads = [threading.Thread(target=join, args=(edit,)) for edit in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    assert (tmp_path / "film.mp4").read_bytes() in alone  # one edit's film, whole: never both mixed
    assert not list(tmp_path.glob(".*partial*"))


def test_what_a_killed_join_left_beside_the_film_goes_with_the_next_join(clips, tmp_path: Path) -> None:
    live = subprocess.Popen(["sleep", "60"])
    try:  # a join killed outright left its partial film, named by its pid; another join still runs
        dead = tmp_path / f".film.{_pid_of_ended()}-1.partial.mp4"
        running = tmp_path / f".film.{live.pid}-1.partial.mp4"
        dead.write_bytes(b"half a film")
        running.write_bytes(b"a film still being joined")
        assemble(clips, FilmSpec(160, 90, review=False), tmp_path / "film.mp4")
        assert not dead.exists() and running.exists()
    finally:
        live.kill()
        live.wait()


def _pid_of_ended() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_a_full_disk_met_by_ffmpeg_says_so_and_keeps_the_last_film(clips, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with small_disk(disk, "64k"):
        (disk / "film.mp4").write_bytes(b"the last good cut")
        with pytest.raises(FilmNotWritten, match=f"cannot write the film {disk / 'film.mp4'}: no space left on its disk"):
            assemble(clips, FilmSpec(160, 90, review=False), disk / "film.mp4")
        assert (disk / "film.mp4").read_bytes() == b"the last good cut"
        assert sorted(p.name for p in disk.iterdir()) == ["film.mp4"]


def test_the_cli_refuses_a_film_path_through_a_file_before_rendering(tmp_path: Path) -> None:
    story = tmp_path / "one.yaml"
    story.write_text("title: one\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                     "shots:\n  - id: a\n    prompt: a red apple on a table\n")
    (tmp_path / "notes").write_text("a file, not a folder")
    done = run_cli("film", str(story), "-o", str(tmp_path / "notes" / "film.mp4"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"cannot make the folder for the film {tmp_path / 'notes' / 'film.mp4'}: "
                                   f"{tmp_path / 'notes'} is a file")
    assert not (tmp_path / ".storyfilm").exists()  # no store opened: nothing rendered, nothing spent
