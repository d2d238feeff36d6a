"""Disks that fail: a flipped byte, a read-only folder, a small tmpfs."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path


def flip_byte(path: Path, at: int | None = None) -> None:
    """Invert one byte of a file in place (the middle one by default), as a bad disk would."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def _mount(*args: str) -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` made read-only: a read-only bind mount as root (root ignores permissions), else its
    write permissions taken away. Skips the test when neither is possible."""
    import pytest

    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if not _mount("--bind", str(folder), str(folder)):
        pytest.skip("cannot bind-mount here")
    try:
        if not _mount("-o", "remount,bind,ro", str(folder)):
            pytest.skip("cannot remount read-only here")
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def can_mount_tmpfs(scratch: Path) -> bool:
    probe = scratch / "mount-probe"
    probe.mkdir(exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)):
        return False
    subprocess.run(["umount", "-l", str(probe)], capture_output=True)
    return True


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of `size` (e.g. "200k") mounted on `folder`; yields a function that resizes it.
    Skips the test where mounting is not allowed (tests/rendering/test_store_disk.py has a fallback)."""
    import pytest

    if not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        pytest.skip("cannot mount a tmpfs here")

    def resize(new: str) -> None:
        assert _mount("-o", f"remount,size={new}", str(folder))
    try:
        yield resize
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
