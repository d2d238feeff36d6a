"""`storyfilm gc`: old takes leave the cache, what a lock file names never does, the bytes it says it
freed are the bytes that went, --dry-run changes nothing, and it never runs beside a render."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from helpers import counted, one_shot, render_story, run_cli, run_cli_in_process, server_counts
from storyfilm.rendering.store import Store, sha256_file


def _objects(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in (root / "objects").iterdir()}


def _rows(root: Path) -> list[tuple]:
    with sqlite3.connect(root / "state.sqlite") as db:
        return db.execute("SELECT key, status, video_sha, frame_sha FROM shots ORDER BY key").fetchall()


def test_gc_removes_the_old_take_keeps_the_current_and_the_film_still_assembles(tmp_path: Path, ark_server,
                                                                                capsys) -> None:
    story, root = tmp_path / "ad.yaml", tmp_path / ".storyfilm"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    first = render_story(story, ark_server)
    story.write_text(story.read_text().replace("    prompt:", "    take: 2\n    prompt:"))
    second = render_story(story, ark_server)
    old, new = first.results["pour"], second.results["pour"]
    assert old.key != new.key and not new.cached
    gone = {old.video.name, old.frame_sha} - {new.video.name, new.frame_sha}
    objects, rows = _objects(root), _rows(root)
    freed = sum(objects[sha] for sha in gone)

    dry = run_cli_in_process(capsys, "gc", str(tmp_path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (_objects(root), _rows(root)) == (objects, rows)  # nothing removed
    assert f"would remove ad.yaml pour: take {old.key[:12]}" in dry.stdout
    assert f"would free {_human(freed)} ({freed:,} bytes)" in dry.stdout

    done = run_cli_in_process(capsys, "gc", str(tmp_path), "--keep-takes", "1")
    assert done.returncode == 0, done.stderr
    assert re.search(rf"removed 1 take and {len(gone)} files, freed .* \({freed:,} bytes\); the removed takes cost "
                     rf"{old.job.cost:.2f} CNY to render", done.stdout), done.stdout
    assert "kept 1 take (1 named by lock files or needed by the storyboards as they are now)" in done.stdout
    assert set(_objects(root)) == set(objects) - gone
    assert [r[0] for r in _rows(root)] == [new.key]

    before = server_counts(ark_server)
    again = render_story(story, ark_server)  # from the cache: no request of any kind
    assert counted(before, ark_server) == {}
    assert again.results["pour"].cached and sha256_file(again.output) == sha256_file(second.output)


def test_gc_keeps_what_a_lock_names_survives_a_damaged_row_and_waits_for_a_render(tmp_path: Path) -> None:
    root = tmp_path / ".storyfilm"
    with Store(root) as store:
        locked, orphan = (store.put(_file(store.scratch(name), name)) for name in ("locked clip", "orphan clip"))
    (tmp_path / "ad.lock.json").write_text(
        f'{{"storyboard": "ad.yaml", "shots": [{{"id": "pour", "key": "k1", "video_sha256": "{locked}", '
        f'"last_frame_sha256": "{locked}"}}]}}\n')
    with sqlite3.connect(root / "state.sqlite") as db:  # a row no code of ours would write
        db.execute("INSERT INTO shots (key, shot_id, status, video_sha, updated_at, material, cost) "
                   "VALUES ('k-bad', 'pour', 'done', 'not a sha', 'yesterday', '{broken', 'much')")

    with Store(root) as render:
        render.claim()
        busy = run_cli("gc", str(tmp_path))
    assert (busy.returncode, busy.stdout) == (1, "")
    assert busy.stderr.strip() == f"another storyfilm render is using {root}; wait for it or stop it"
    assert set(_objects(root)) == {locked, orphan}

    piece = root / "joins" / "pieces" / "ab" / ("ab" + "0" * 62 + ".h264")
    piece.parent.mkdir(parents=True)
    piece.write_bytes(b"\0" * 3000)
    (piece.parent / f".{piece.name}.123.partial").write_bytes(b"\0" * 72)  # a join killed half-way
    done = run_cli("gc", str(tmp_path), "--keep-takes", "0")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "removed (no storyboard recorded) pour: take k-bad" in done.stdout
    assert set(_objects(root)) == {locked}
    assert _rows(root) == []
    assert f"{root / 'joins'}: removed the join cache, 2 files, 3.0 KiB" in done.stdout
    assert [p for p in (root / "joins").rglob("*") if p.is_file()] == []


def _file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _human(size: int) -> str:
    from storyfilm.rendering.gc import human

    return human(size)


def test_gc_never_removes_a_take_a_cached_film_is_joining(tmp_path: Path, ark_server) -> None:
    """A fully cached film sends no request and takes no render claim, but it reads the store's
    objects while it joins them: a gc started meanwhile must stop rather than remove them."""
    story, root = tmp_path / "ad.yaml", tmp_path / ".storyfilm"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    story.write_text(story.read_text().replace("    prompt:", "    take: 2\n    prompt:"))
    second = render_story(story, ark_server)  # take 2 rendered, and named by the lock file
    story.write_text(story.read_text().replace("    take: 2\n", ""))
    first = render_story(story, ark_server)  # take 1, now the one the lock file names
    story.write_text(story.read_text().replace("    prompt:", "    take: 2\n    prompt:"))
    objects = _objects(root)
    answers: list = []

    def gc_meanwhile(event) -> None:  # the cached film is under way: its plan is out
        if not answers:
            answers.append(run_cli("gc", str(tmp_path), "--keep-takes", "0"))

    again = render_story(story, ark_server, listener=gc_meanwhile)  # take 2 again: cached, not in the lock
    assert again.results["pour"].cached and sha256_file(again.output) == sha256_file(second.output)
    busy = answers[0]
    assert (busy.returncode, busy.stdout) == (1, ""), busy.stdout
    assert busy.stderr.strip() == f"a storyfilm film is reading {root}; run gc again when it is done"
    assert _objects(root) == objects and first.output.is_file()


def test_gc_after_the_journal_was_replaced_keeps_what_a_sibling_folders_lock_names(tmp_path: Path, ark_server,
                                                                                   capsys) -> None:
    """Two folders' storyboards share one store; its journal is lost and a new one knows only the
    first folder's storyboard. The second's paid clips are named by no row and by no lock file gc
    can find, but the store's own records (made/) say it made them: gc keeps them."""
    store, red, blue = tmp_path / "store", tmp_path / "red" / "red.yaml", tmp_path / "blue" / "blue.yaml"
    for story, title in ((red, "Red"), (blue, "Blue")):
        story.parent.mkdir()
        one_shot(story, title, "pour", f"{title} milk pours into a glass.")
    render_story(red, ark_server, store=store)
    render_story(blue, ark_server, store=store)
    objects = _objects(store)
    (store / "state.sqlite").unlink()
    assert render_story(red, ark_server, store=store).results["pour"].cached  # a new journal: red's rows only

    done = run_cli_in_process(capsys, "gc", str(red.parent), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert "warning: 1 render this store made is not in its journal (a new or emptied one): kept" in done.stdout
    assert _objects(store) == objects
    before = server_counts(ark_server)
    again = render_story(blue, ark_server, store=store)
    assert counted(before, ark_server) == {} and again.results["pour"].cached


def test_dry_run_lists_exactly_the_files_gc_then_removes(tmp_path: Path, ark_server, capsys) -> None:
    """An old take and a file no journal row names (what a gc killed after the rows went leaves):
    the dry run names both, and gc removes those files and no others."""
    story, root = tmp_path / "ad.yaml", tmp_path / ".storyfilm"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    render_story(story, ark_server)
    story.write_text(story.read_text().replace("    prompt:", "    take: 2\n    prompt:"))
    render_story(story, ark_server)
    with Store(root) as store:
        left = store.put(_file(store.scratch("left"), "a file a killed gc left"))
    rows, objects = {r[0]: r[2:] for r in _rows(root)}, _objects(root)

    dry = run_cli_in_process(capsys, "gc", str(tmp_path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    takes = re.findall(r"would remove ad\.yaml pour: take (\w{12})", dry.stdout)
    files = re.findall(r"would remove \S+/objects/(\w{64})  \(no journal row names it\)", dry.stdout)
    assert len(takes) == 1 and files == [left], dry.stdout
    listed = {sha for key, shas in rows.items() if key.startswith(takes[0]) for sha in shas} | set(files)

    assert run_cli_in_process(capsys, "gc", str(tmp_path)).returncode == 0
    assert set(objects) - set(_objects(root)) == listed


def test_gc_keeps_the_take_the_storyboard_on_disk_needs_though_its_lock_names_a_newer_one(tmp_path: Path,
                                                                                            ark_server, capsys) -> None:
    """A prompt tried and then taken back (git checkout): the lock file names the tried take, the
    storyboard the first one. gc keeps both, and the next film pays nothing."""
    story = tmp_path / "ad.yaml"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    first = render_story(story, ark_server)
    kept = story.read_text()
    story.write_text(kept.replace("Milk pours", "Tea pours"))
    render_story(story, ark_server)
    story.write_text(kept)

    done = run_cli_in_process(capsys, "gc", str(tmp_path), "--keep-takes", "0")
    assert done.returncode == 0, done.stderr
    assert "removed 0 takes" in done.stdout and "kept 2 takes (2 named by lock files or needed" in done.stdout
    before = server_counts(ark_server)
    again = render_story(story, ark_server)
    assert counted(before, ark_server) == {} and again.results["pour"].key == first.results["pour"].key


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder`: (size, mtime in ns); what any change on disk alters."""
    return {str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def test_a_dry_run_changes_nothing_on_disk_even_beside_a_damaged_clip(tmp_path: Path, ark_server, capsys) -> None:
    # a damaged clip of the storyboard as it is now was set aside in quarantine/ by the dry run (which
    # asks which takes the storyboard would film): say it, move nothing
    story, root = tmp_path / "ad.yaml", tmp_path / ".storyfilm"
    one_shot(story, "Ad", "pour", "Milk pours into a glass.")
    clip = render_story(story, ark_server).results["pour"].video
    clip.write_bytes(b"\0" * clip.stat().st_size)
    (root / "incoming" / "4194303-1-left-by-a-killed-run").write_bytes(b"half a clip")
    before = _tree(tmp_path)

    dry = run_cli_in_process(capsys, "gc", str(tmp_path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert _tree(tmp_path) == before
    assert f"object {clip.name[:12]} is damaged (its bytes do not match its sha256): left in place" in dry.stdout
