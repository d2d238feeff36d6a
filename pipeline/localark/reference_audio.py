"""Reference audio, checked as the service checks it (ark-api.md §3.3): every item wav or mp3 by its
bytes, each lasting 2 s to the model's limit (15 s for 2.0, 30 s for 2.5), all together at most that.

The length is what ffmpeg decodes (mediaio/decode.py, the same measure `validate` uses on a
storyboard's audio), run in a worker thread so that the server keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from storyfilm.errors import MediaProblem
from storyfilm.localark.answers import invalid
from storyfilm.localark.fetch import fetch_audio
from storyfilm.mediaio.decode import decoded_seconds
from storyfilm.seedance import media, models


async def fetched(model: models.Model, items: list[tuple[object, str]], allow_local: bool) -> bytes | None:
    """The first item's bytes (the preview's sound; None without audio), once every item of
    (url, where in the request) has been fetched and measured."""
    least, most = models.REFERENCE_MIN_SECONDS, model.reference_seconds
    first, total = None, 0.0
    for url, where in items:
        data = await fetch_audio(url, where=where, allow_local=allow_local)
        seconds = await asyncio.to_thread(_seconds, data, where)
        if not least <= seconds <= most:
            raise invalid("content", f"{where}: the audio lasts {seconds:g} s; {model.id} takes {least}–{most} s")
        total += seconds
        first = data if first is None else first
    if total > most:
        raise invalid("content", f"the reference audio lasts {total:g} s in all; {model.id} takes at most {most} s")
    return first


def _seconds(data: bytes, where: str) -> float:
    with tempfile.TemporaryDirectory(prefix="storyfilm-audio-") as folder:
        path = Path(folder) / "reference_audio"
        path.write_bytes(data)
        try:
            return decoded_seconds(path, media.AUDIO, where)
        except MediaProblem as exc:
            raise invalid("content", exc.message) from None
