"""The review page `build/<name>.html`: one self-contained file beside the film that works
offline. The film plays in a <video> with chapter markers (the MP4 is referenced relatively);
every shot has a card with its first and last frame (embedded JPEGs: the review's own thumbnails,
review_ahead.page_thumbnails), prompt, model, size,
duration, seed, take, task, tokens and cost planned and actual, and the seam it makes with the
shot before; clicking a card seeks the player to the shot.

Built from the lock file's data and the plan, so a preview and a paid render get the same page. It
shows the film, not the run that wrote it (which shots rendered and which came from the cache is
told on the terminal and in the `film` event): an unchanged film leaves it as it was, bytes and time.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyfilm.assembly import review_assets
from storyfilm.mediaio import scratch
from storyfilm.seedance import models


@dataclass(frozen=True)
class ShotCard:
    """What the page shows of one shot, beyond its lock entry."""

    id: str
    prompt: str
    model: str
    size: str
    seconds: float
    take: int
    planned_tokens: int
    planned_cost: float


def _data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def vtt_chapters(chapters: list[dict[str, Any]]) -> str:
    def stamp(s: float) -> str:
        ms = round(s * 1000)
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    cues = [f"{stamp(c['start'])} --> {stamp(c['end'])}\n{c['shot']}" for c in chapters]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def page_data(cards: list[ShotCard], lock: dict[str, Any], thumbs: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Everything the page shows, as one JSON-ready record (the test reads it back)."""
    film = lock.get("film", {})
    entries = {s["id"]: s for s in lock.get("shots", [])}
    starts = {c["shot"]: c["start"] for c in film.get("chapters", [])}
    seams = {s["to"]: s for s in film.get("seams", [])}
    shots = []
    for n, card in enumerate(cards, 1):
        entry = entries.get(card.id, {})
        shots.append({"n": n, "id": card.id, "start": starts.get(card.id, 0.0), "prompt": card.prompt,
                      "model": card.model, "size": card.size, "seconds": round(card.seconds, 3), "take": card.take,
                      "seed": entry.get("seed"), "task_id": entry.get("task_id"), "key": entry.get("key"),
                      "tokens": {"planned": card.planned_tokens, "actual": entry.get("tokens")},
                      "cost": {"planned": round(card.planned_cost, 4), "actual": entry.get("cost")},
                      "seam": seams.get(card.id), "first": thumbs[card.id][0],
                      "last": thumbs[card.id][1]})
    return {"duration": film.get("duration"), "frames": film.get("frames"), "warnings": film.get("warnings", []),
            "planned_cost": round(sum(c.planned_cost for c in cards), 4),
            "actual_cost": round(sum(s["cost"]["actual"] or 0 for s in shots), 4),
            "shots": shots}


def write(out: Path, film: Path, title: str, cards: list[ShotCard], lock: dict[str, Any], *,
          preview: bool, thumbs: dict[str, tuple[bytes, bytes]]) -> Path:
    """Write the page to `out` (replaced atomically); the film is linked relative to it. `thumbs`:
    each shot's first and last frame, JPEG."""
    urls = {shot: (_data_url(first), _data_url(last)) for shot, (first, last) in thumbs.items()}
    data = page_data(cards, lock, urls)
    data |= {"title": title, "preview": preview, "fps": models.FPS}
    # a URL: a film named `take #2.mp4` is not the page's own fragment, nor `a?.mp4` a query
    video = urllib.parse.quote(Path(os.path.relpath(film, out.parent)).as_posix())
    chapters = base64.b64encode(vtt_chapters(lock.get("film", {}).get("chapters", [])).encode()).decode()
    fields = {"title": html.escape(_visible(title)), "css": review_assets.CSS, "video": html.escape(video),
              "chapters": chapters, "data": _script_json(data),
              "script": review_assets.JS, "poster": data["shots"][0]["first"] if data["shots"] else ""}
    # one pass, not str.format: CSS and JS are full of braces, and a title may hold a {name}
    page = re.sub(r"\{(" + "|".join(fields) + r")\}", lambda m: fields[m[1]], TEMPLATE)
    if not scratch.holds(out, page.encode("utf-8")):
        scratch.replace_with(out, page.encode("utf-8"))
    return out


def _script_json(data: dict[str, Any]) -> str:
    """`data` as JSON that cannot end or change its <script> element: every `<` escaped (`</script>`
    would end it, and `<!--<script>` would make the parser run on past its end, into the page's code),
    and the control characters JSON leaves raw (DEL, C1), which HTML does not allow in a page."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return _RAW_CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


_RAW_CONTROLS = re.compile("[\x7f-\x9f]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """`text` for the page's markup, its control characters shown by their pictures (NUL as ␀, BEL
    as ␇, DEL as ␡, C1 as �): HTML allows none of them, and a parser drops a NUL without a trace."""
    return _CONTROLS.sub(lambda m: chr(0x2400 + ord(m[0])) if m[0] < " " else "\u2421" if m[0] == "\x7f"
                         else "\ufffd", text)


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · review</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style></head>
<body>
<header><h1>{title}</h1><div id="totals"></div><ul id="warnings"></ul></header>
<main>
<section id="player"><video id="film" controls preload="metadata" src="{video}" poster="{poster}">
<track kind="chapters" default src="data:text/vtt;base64,{chapters}"></video>
<div id="markers"></div></section>
<section id="cards"></section>
</main>
<script id="page-data" type="application/json">{data}</script>
<script>{script}</script>
</body></html>
"""
