"""The local asset library: `asset://NAME` in a create body → a file in the folder given to
`serve --assets DIR` (or `LocalArk(assets=...)`), standing in for the service's asset library
(ark-api.md §3.1, Seedance 2.x).

NAME is looked up as DIR/NAME, else as DIR/NAME.<ext> for the extensions of the item's kind
(image: png, jpg, jpeg, webp, bmp, tiff, gif...; audio: wav, mp3...); two such files are
ambiguous and refused. NAME is letters, digits, `.`, `_` and `-`, starting with a letter or digit,
so no URI reaches outside the folder. The folder is read at each create: assets may be added
while the server runs."""

from __future__ import annotations

import contextvars
import re
from pathlib import Path

from storyfilm.errors import Refusal
from storyfilm.localark.answers import invalid
from storyfilm.seedance.media import KINDS

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}\Z")
# the library of the server handling this request (set by the create handler around its checks)
LIBRARY: contextvars.ContextVar[Path | None] = contextvars.ContextVar("storyfilm_asset_library", default=None)


def read(url: str, kind: str, limit: int, where: str) -> bytes:
    """The bytes of the asset `url` names, from this server's library."""
    library = LIBRARY.get()
    name = url[len("asset://"):]
    if library is None:
        raise invalid("content", "asset:// URIs name the service's asset library, which this local server lacks "
                                 "(start it with --assets DIR)")
    if not NAME.match(name):
        raise invalid("content", f"{where}: {url!r} is not an asset name (letters, digits, '.', '_', '-')")
    path = find(library, name, kind)
    if path is None:
        raise Refusal(404, "NotFound", f"The asset {name} is not found in the asset library.", "content")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    return data


def find(library: Path, name: str, kind: str) -> Path | None:
    """DIR/NAME, else the one DIR/NAME.<ext> whose extension is of `kind`; ambiguous: refused."""
    exact = library / name
    if exact.is_file():
        return exact
    found = [library / (name + ext) for ext, k in KINDS.items() if k == kind and (library / (name + ext)).is_file()]
    if len(found) > 1:
        raise invalid("content", f"the asset {name} is ambiguous: {', '.join(p.name for p in found)}")
    return found[0] if found else None
