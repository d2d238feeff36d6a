"""The store trusts nothing it has not checked (issue 11): a damaged clip or last frame is set aside
and its shot made again, a lost or damaged journal is rebuilt from the lock file for free, a
damaged lock file stops the run before anything is spent, `verify` reports what is damaged; a
read-only store still serves a finished film, and a full disk stops a render with one message
and loses nothing.

One clean two-shot chain is rendered once; every test damages a copy of it. The local server
renders the same bytes for the same request and seed, so a repaired film equals the clean one."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (REPO, assert_store_whole, can_mount_tmpfs, counted, flip_byte, kite_chain, read_only,
                     render_story, run_cli_in_process, server_counts, small_disk)
from storyfilm.mediaio import probe
from storyfilm.errors import LockFileDamaged, StoreFull, StoreReadOnly
from storyfilm.rendering.store import Store, sha256_file

STORY = kite_chain("Trust")


@pytest.fixture(scope="module")
def clean(tmp_path_factory, ark_server) -> dict:
    folder = tmp_path_factory.mktemp("clean")
    story = folder / "trust.yaml"
    story.write_text(STORY)
    outcome = render_story(story, ark_server)
    lock = json.loads((folder / "trust.preview.lock.json").read_text())
    return {"folder": folder, "film": sha256_file(outcome.output), "lock": lock,
            "shots": {s["id"]: s for s in lock["shots"]}}


@pytest.fixture
def copy(clean, tmp_path: Path) -> Path:
    """A copy of the clean render without its film (so the next run joins the clips again): its story."""
    folder = shutil.copytree(clean["folder"], tmp_path / "story")
    (folder / "trust.mp4").unlink()
    return folder / "trust.yaml"


def obj(story: Path, sha: str) -> Path:
    return story.parent / ".storyfilm" / "objects" / sha


def quarantined(story: Path) -> list[Path]:
    folder = story.parent / ".storyfilm" / "quarantine"
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("damage", ["flip", "zero"])
def test_a_damaged_clip_is_set_aside_and_its_shot_made_again(copy, clean, ark_server, damage) -> None:
    sha = clean["shots"]["one"]["video_sha256"]
    path = obj(copy, sha)
    if damage == "flip":
        flip_byte(path)
    else:
        path.write_bytes(bytes(path.stat().st_size))
    bad = path.read_bytes()
    before = server_counts(ark_server)
    outcome = render_story(copy, ark_server)
    # the shot is fetched again from its task (0 creates) or rendered again (1); never trusted as it was
    assert counted(before, ark_server).get("create", 0) <= 1
    assert not outcome.results["one"].cached and outcome.results["two"].cached  # its last frame is the same
    assert sha256_file(outcome.output) == clean["film"]
    assert sha256_file(path) == sha
    [aside] = quarantined(copy)
    assert aside.name.startswith(sha + ".") and aside.read_bytes() == bad  # kept, never deleted
    assert f"warning: object {sha[:12]} is damaged (its bytes do not match its sha256): set aside as {aside}" \
           in outcome.log


def test_a_damaged_last_frame_is_never_handed_on(copy, clean, ark_server) -> None:
    frame_sha = clean["shots"]["one"]["last_frame_sha256"]
    good = obj(copy, frame_sha).read_bytes()
    flip_byte(obj(copy, frame_sha), 200)  # inside the PNG's picture data
    copy.write_text(STORY.replace("The kite lands in the sand.", "The kite falls into the sea."))
    before = server_counts(ark_server)
    outcome = render_story(copy, ark_server)
    assert 1 <= counted(before, ark_server)["create"] <= 2  # two; one unless fetched again from its task
    task = ark_server.ark.tasks[outcome.results["two"].task_id]
    assert task.spec.first_frame.data == good  # the next shot started on the whole frame
    assert sha256_file(obj(copy, frame_sha)) == frame_sha
    assert [p.name.split(".")[0] for p in quarantined(copy)] == [frame_sha]


@pytest.mark.parametrize("loss", ["deleted", "garbage"])
def test_a_lost_journal_is_rebuilt_from_the_lock_file_at_no_cost(copy, clean, ark_server, loss) -> None:
    journal = copy.parent / ".storyfilm" / "state.sqlite"
    for part in journal.parent.glob("state.sqlite*"):
        part.unlink()
    if loss == "garbage":
        journal.write_bytes(b"this is not a database\n" * 200)
    before = server_counts(ark_server)
    outcome = render_story(copy, ark_server)
    assert counted(before, ark_server) == {}  # not one create, not one poll
    assert all(r.cached for r in outcome.results.values())
    assert sha256_file(outcome.output) == clean["film"]
    with Store(journal.parent) as store:
        assert {e.shot_id: e.task_id for e in store.finished()} == {s: clean["shots"][s]["task_id"]
                                                                    for s in ("one", "two")}
    if loss == "garbage":
        [aside] = journal.parent.glob("state.sqlite.damaged-*")
        assert aside.read_bytes().startswith(b"this is not a database")
        assert (f"warning: the render journal {journal} cannot be read (file is not a database): set aside as "
                f"{aside.name}; a new one is rebuilt from the lock file and the store") in outcome.log


LOCKS = {
    "empty": ("", "it is empty"),
    "half-written": ('{\n  "storyboard": "trust.yaml",\n  "shots": [\n    {"id": "one", "key": "ab',
                     "it is not valid JSON (line 4 column 26: Unterminated string starting at)"),
    "not JSON": ("shots:\n  - one\n", "it is not valid JSON (line 1 column 1: Expecting value)"),
    "no shots": ('{"storyboard": "trust.yaml", "shots": {"one": 1}}\n',
                 "it does not hold a list of shots, each with its key"),
    "a path for a hash": ('{"shots": [{"id": "one", "key": "k", "video_sha256": "../../trust.yaml"}]}\n',
                          "shot 'one': video_sha256 is not a sha256"),
}


@pytest.mark.parametrize("case", LOCKS)
def test_a_damaged_lock_file_stops_before_anything_is_spent(copy, ark_server, case) -> None:
    text, problem = LOCKS[case]
    lock = copy.with_name("trust.preview.lock.json")
    lock.write_text(text)
    before = server_counts(ark_server)
    with pytest.raises(LockFileDamaged) as caught:
        render_story(copy, ark_server)
    assert str(caught.value) == (
        f"{lock}: the lock file cannot be read: {problem}. Restore it (git checkout -- trust.preview.lock.json) "
        "or delete it; nothing was spent, and the render journal and the store still hold every finished shot")
    assert caught.value.exit_code == 2
    assert counted(before, ark_server) == {} and lock.read_text() == text


def test_the_cli_says_the_lock_file_is_damaged_in_one_message(copy, capsys) -> None:
    copy.with_name("trust.preview.lock.json").write_text("")
    proc = run_cli_in_process(capsys, "plan", str(copy))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"{copy.with_name('trust.preview.lock.json')}: the lock file cannot be read: it is empty. Restore it (git "
        "checkout -- trust.preview.lock.json) or delete it; nothing was spent, and the render journal and the "
        "store still hold every finished shot"]


def test_verify_checks_every_object_and_sets_the_damaged_aside(copy, clean, capsys) -> None:
    proc = run_cli_in_process(capsys, "verify", str(copy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("4 objects checked (") and proc.stdout.endswith(
        "4 whole, 0 damaged, 0 missing\n")
    video, frame = clean["shots"]["two"]["video_sha256"], clean["shots"]["one"]["last_frame_sha256"]
    flip_byte(obj(copy, video))
    obj(copy, frame).unlink()
    proc = run_cli_in_process(capsys, "verify", str(copy))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[:2] == [f"damaged: shot 'two' video {video[:12]}", f"missing: shot 'one' last frame {frame[:12]}"]
    assert lines[2].startswith("4 objects checked (") and lines[2].endswith("2 whole, 1 damaged, 1 missing")
    [aside] = quarantined(copy)
    assert lines[3] == (f"object {video[:12]} is damaged (its bytes do not match its sha256): set aside as {aside}; "
                        "it is fetched or rendered again")
    cost = clean["shots"]["two"]["cost"] + clean["shots"]["one"]["cost"]
    assert lines[4] == (f"`storyfilm film {copy}` fetches their shots again from their tasks while the results are "
                        f"kept, else renders them again (up to {cost:.2f} CNY)")
    assert len(lines) == 5


@pytest.mark.parametrize("journal", ["journal", "no journal"])
def test_a_read_only_store_still_joins_a_finished_film(copy, clean, ark_server, journal) -> None:
    root = copy.parent / ".storyfilm"
    if journal == "no journal":  # rebuilt from the lock file, in memory only
        for part in root.glob("state.sqlite*"):
            part.unlink()
    before = server_counts(ark_server)
    with read_only(root):
        outcome = render_story(copy, ark_server)
        assert all(r.cached for r in outcome.results.values())
        assert sha256_file(outcome.output) == clean["film"]
        copy.write_text(STORY.replace("The kite lands in the sand.", "The kite falls into the sea."))
        with pytest.raises(StoreReadOnly) as caught:
            render_story(copy, ark_server)
    assert counted(before, ark_server) == {}
    assert str(caught.value) == (f"the store {root} is read-only, and shots must render into it: make it writable "
                                 "(or choose another with --store) and run the same command again")
    assert caught.value.exit_code == 1


FULL_END = "run the same command again; finished shots are kept"


def test_a_full_disk_stops_with_one_message_and_loses_nothing(tmp_path: Path, clean, ark_server) -> None:
    # its own title (so its own seeds): the service's tasks for the clean render are not this one's
    story, store = tmp_path / "full.yaml", tmp_path / "store"
    story.write_text(STORY.replace("title: Trust", "title: Full disk"))
    store.mkdir()
    before = server_counts(ark_server)
    with small_disk(store, "200k") as resize:  # room for about one shot
        with pytest.raises(StoreFull) as caught:
            render_story(story, ark_server, store=store)
        message = str(caught.value)
        assert message.startswith("no space left for ") and message.endswith(FULL_END), message
        resize("8m")
        outcome = render_story(story, ark_server, store=store)
        assert_store_whole(store)
    assert counted(before, ark_server)["create"] == 2  # each shot paid for once
    assert probe.probe(outcome.output).frames == 2 * 29 - 1  # the chained join drops its repeated frame


def test_a_write_refused_for_its_size_gives_one_message(tmp_path: Path, clean, ark_server) -> None:
    """Where no small disk can be mounted: RLIMIT_FSIZE makes a write fail the same way (EFBIG). The
    limit is above SQLite's 32 KiB WAL index and below every clip and frame; the CLI in a process."""
    if can_mount_tmpfs(tmp_path):
        pytest.skip("a real small disk is mounted by the test above")
    story = tmp_path / "trust.yaml"
    story.write_text(STORY)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    env |= {"ARK_API_KEY": "sk-test-full", "ARK_BASE_URL": ark_server.base_url}
    film = [sys.executable, "-m", "storyfilm", "film", str(story), "-o", str(tmp_path / "trust.mp4")]
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))  # noqa: E731
    before = server_counts(ark_server)
    proc = subprocess.run(film, capture_output=True, text=True, env=env, cwd=REPO, timeout=120, preexec_fn=limit)
    assert proc.returncode == 1
    # the journal's WAL is the first file over the limit (SQLite reports an I/O error), else a download
    [line] = proc.stderr.splitlines()
    assert line.endswith(FULL_END) and ("(disk I/O error): check the disk (is it full?)" in line
                                        or "(File too large)" in line), line
    proc = subprocess.run(film, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert counted(before, ark_server)["create"] == 2
    assert sha256_file(tmp_path / "trust.mp4") == clean["film"]


def test_verify_names_symbolic_links_in_the_objects_folder_and_the_film_does_not_serve_them(
        copy, clean, ark_server, tmp_path: Path, capsys) -> None:
    """A link in objects/ holds no bytes of the store's: what it points to may change or go. One
    named by a shot (to a copy with the right bytes) is set aside like a damaged object, and the
    film fetches the clip again from its task, for nothing; one no shot names is told as stray."""
    video = clean["shots"]["one"]["video_sha256"]
    elsewhere = tmp_path / "elsewhere.mp4"
    shutil.copy(obj(copy, video), elsewhere)
    obj(copy, video).unlink()
    obj(copy, video).symlink_to(elsewhere)
    stray = obj(copy, "cd" * 32)
    stray.symlink_to("/etc/hostname")

    proc = run_cli_in_process(capsys, "verify", str(copy))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    [aside] = quarantined(copy)
    assert lines[:2] == [f"damaged: shot 'one' video {video[:12]}",
                         f"stray: {stray} is a symbolic link to /etc/hostname, not a file the store wrote: remove it"]
    assert lines[3] == (f"object {video[:12]} is damaged (it is a symbolic link to {elsewhere}, not a file the store "
                        f"wrote): set aside as {aside}; it is fetched or rendered again")

    before = server_counts(ark_server)
    outcome = render_story(copy, ark_server)
    assert "create" not in counted(before, ark_server)  # fetched again from its task
    assert sha256_file(outcome.output) == clean["film"]
    assert obj(copy, video).is_file() and not obj(copy, video).is_symlink()


@pytest.mark.parametrize("edited", ["lock file", "store's record"])
def test_verify_names_a_shot_whose_lock_file_journal_and_record_disagree(copy, clean, ark_server, edited,
                                                                         capsys) -> None:
    """The two shots' videos swapped in the lock file, or one shot's record (made/) naming the
    other's clip: every object is whole, but which clip is a shot's is in doubt. verify says so."""
    one, two = clean["shots"]["one"], clean["shots"]["two"]
    lock_file = copy.with_name("trust.preview.lock.json")
    if edited == "lock file":
        lock = json.loads(lock_file.read_text())
        lock["shots"][0]["video_sha256"], lock["shots"][1]["video_sha256"] = two["video_sha256"], one["video_sha256"]
        lock_file.write_text(json.dumps(lock, indent=2))
    else:
        (copy.parent / ".storyfilm" / "made" / one["key"]).write_text(
            f"{two['video_sha256']} {two['last_frame_sha256']}\n")

    proc = run_cli_in_process(capsys, "verify", str(copy))
    assert proc.returncode == 1
    said = [line for line in proc.stderr.splitlines() if line.startswith("disagree: ")]
    v1, f1, v2 = one["video_sha256"][:12], one["last_frame_sha256"][:12], two["video_sha256"][:12]
    if edited == "lock file":
        assert said[0] == (f"disagree: shot 'one' (key {one['key'][:12]}): the lock file names video {v2} and last "
                           f"frame {f1}, the journal names video {v1} and last frame {f1}, the store's record names "
                           f"video {v1} and last frame {f1}; the next film uses the journal's and writes the lock "
                           "file again, nothing paid")
        assert len(said) == 2
        before = server_counts(ark_server)
        render_story(copy, ark_server)
        assert counted(before, ark_server) == {}
        assert run_cli_in_process(capsys, "verify", str(copy)).returncode == 0
    else:
        assert said == [f"disagree: shot 'one' (key {one['key'][:12]}): the lock file names video {v1} and last "
                        f"frame {f1}, the journal names video {v1} and last frame {f1}, the store's record names "
                        f"video {v2} and last frame {two['last_frame_sha256'][:12]}; the next film uses the "
                        f"journal's; {copy.parent / '.storyfilm' / 'made' / one['key']} names another clip (edited?): "
                        "remove it if the journal is right"]


def test_a_folder_in_place_of_an_object_is_set_aside_and_the_film_fetches_the_clip_again(copy, clean,
                                                                                       ark_server, capsys) -> None:
    """A folder named like a shot's clip: verify names it, and the film moves it aside and fetches
    the clip again from its task (it failed before: the folder could not be set aside, and the
    fetched clip could not be put in its place)."""
    video = clean["shots"]["one"]["video_sha256"]
    obj(copy, video).unlink()
    obj(copy, video).mkdir()
    proc = run_cli_in_process(capsys, "verify", str(copy))
    assert proc.returncode == 1
    assert f"stray: {obj(copy, video)} is a folder, not a file the store wrote: remove it" in proc.stderr.splitlines()

    before = server_counts(ark_server)
    outcome = render_story(copy, ark_server)
    assert "create" not in counted(before, ark_server)
    assert sha256_file(outcome.output) == clean["film"]
    assert sha256_file(obj(copy, video)) == video
    assert run_cli_in_process(capsys, "verify", str(copy)).returncode == 0
