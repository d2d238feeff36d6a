"""The edit: what the storyboard says about joining its shots, as assembly's inputs.

Pure: storyboard + plan + the rendered clips' paths → `ClipIn`s and the `FilmSpec`.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from storyfilm import planning
from storyfilm.assembly.spec import ClipIn, FilmSpec, Transition
from storyfilm.storyboard import Storyboard


def clips(graph: nx.DiGraph, videos: dict[str, Path]) -> list[ClipIn]:
    """The clips in storyboard order. A join is chained only when a shot continues from the shot
    just before it: a branch (`from:` an earlier shot) meets the previous clip like a cut."""
    out: list[ClipIn] = []
    previous = None
    for job in planning.jobs(graph):
        shot = job.shot
        if shot.id in videos:
            out.append(ClipIn(path=videos[shot.id], shot_id=shot.id,
                              chained=previous is not None and shot.continues_from == previous,
                              trim=shot.trim,
                              transition=shot.transition if out else Transition(), caption=shot.caption))
        previous = shot.id if shot.id in videos else None
    return out


def film_spec(board: Storyboard, graph: nx.DiGraph) -> FilmSpec:
    """The film takes the first shot's frame size; other sizes are fitted into it (padded)."""
    first = planning.jobs(graph)[0]
    return FilmSpec(width=first.width, height=first.height, drop_repeated_frame=board.assembly.seamless_joins,
                    burn_captions=board.assembly.burn_captions, soundtrack=board.soundtrack,
                    loudness=board.assembly.loudness)
