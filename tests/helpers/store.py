"""The render store and its journal, as a test sets them up and checks them."""

from __future__ import annotations

import contextlib
from pathlib import Path

from storyfilm.rendering.store import sha256_file

from .in_process import IN_PROCESS_BASE
from .service import TASKS
from .transports import LandsLate


def write_intent(store, job, body: dict, backend: str) -> None:
    """The journal's intent for `job`'s create (what a render writes just before it sends it)."""
    from storyfilm.ark.fingerprint import Fingerprint

    store.create_intent(job.key(None, backend), job.id, job.key_material(None, backend),
                        Fingerprint.of(body).as_dict(), job.cost)


def killed_while_creating(store, late: "LandsLate", http, job, body: dict, *, backend: str = "in-process",
                          creates: int = 1) -> None:
    """What a run killed with its create on the way leaves: the journal's intent, and `creates` such
    creates (a killed run's each) held by `late` to land when it lets them."""
    write_intent(store, job, body, backend)
    for _ in range(creates):
        late.held.append(http.build_request("POST", IN_PROCESS_BASE + TASKS, json=body,
                                            headers={"Authorization": "Bearer sk-killed-run"}))


def journal_attempts(store: Path) -> list[int]:
    """How many tasks the render journal counts per shot key, sorted."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(store / "state.sqlite")) as db:
        return sorted(row[0] for row in db.execute("SELECT attempts FROM shots"))


def assert_store_whole(store: Path) -> None:
    """Every object is complete (its name is its hash) and nothing half-written is left."""
    for obj in (store / "objects").iterdir():
        assert sha256_file(obj) == obj.name, f"partial or corrupt object {obj.name}"
    assert list((store / "incoming").iterdir()) == []
