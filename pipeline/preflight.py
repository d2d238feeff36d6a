"""Everything checked before a film spends anything, in one place and in the order it is checked.
Each check stops the run with one message and its exit code, before a file is written or a request
sent; the cheap and certain come first. (Before every command, the CLI's `main` checks the
environment: Settings, STORYFILM_FAULTS, ARK_GATEWAY.)

    the options        check_film_options: --max-cost, --concurrency, -o, --store as given (the
                       flags, or storyfilm.render's arguments), also before a watch starts;
                       `plan`, `status`, `cancel`, `verify` and `gc` check their --store, and
                       `status` its -o, with the same functions
    check_inputs       1. ffmpeg: a binary that is no usable ffmpeg, before a media file is judged
                       2. the storyboard: schema, model capabilities, the media it names
                       3. the gateway: ARK_GATEWAY and the storyboard's `gateway:` agree, and a
                          real render knows the host to send to (a gateway has no default one)
                       4. the plan: --only / --until name shots
                       5. the film's path: a file that can be written, outside the render store, and
                          not one of the shots' media or the soundtrack
    (the film opens the store and reads the lock file, a damaged one stops it there)
    check_spending     6. the lock file's folder takes files, when shots render for the whole film
                       7. the budget: what must render costs no more than --max-cost
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from storyfilm import planning, storyboard
from storyfilm.assembly import assemble
from storyfilm.errors import OverBudget, UsageError
from storyfilm.mediaio.inputs import check_not_own_output, load_storyboard
from storyfilm.mediaio.runner import ffmpeg_exe
from storyfilm.planning import explain
from storyfilm.rendering import lockfile
from storyfilm.seedance import gateways
from storyfilm.settings import Settings
from storyfilm.status import film_path

BUDGET_SHOTS_SHOWN = 5  # the costliest shots an over-budget message names; the rest are counted


def check_film_options(*, story: Path, output: Path | None, store: Path | None, max_cost: float | None,
                       concurrency: int | None) -> None:
    if max_cost is not None and not (math.isfinite(max_cost) and max_cost >= 0):
        raise UsageError("--max-cost must be 0 or more" if max_cost < 0 else
                         f"--max-cost {max_cost}: give an amount of CNY, 0 or more")
    if concurrency is not None and concurrency < 1:
        raise UsageError(f"--concurrency {concurrency}: give 1 or more tasks in flight")
    check_output_option(output, story)
    check_store_option(store)


def check_output_option(output: Path | None, story: Path) -> None:
    """-o names an .mp4 file to write: not a folder, not the storyboard (`output:` in a storyboard
    must end in .mp4 too), so a mistyped -o never costs a render or a file."""
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"-o {output}: is a folder; give the film's file, e.g. {output / (story.stem + '.mp4')}")
    if output.suffix.lower() != ".mp4":
        raise UsageError(f"-o {output}: the film is an .mp4 file; give a path ending in .mp4")
    if output.exists() and story.exists() and output.resolve() == story.resolve():
        raise UsageError(f"-o {output}: is the storyboard itself")


def check_store_option(store: Path | None) -> None:
    if store is None:
        return
    if store.exists() and not store.is_dir():
        raise UsageError(f"--store {store}: is a file, not a folder; give the folder of the media store and journal")
    above = _existing_ancestor(store)
    if not above.is_dir():
        raise UsageError(f"--store {store}: {above} is a file, not a folder")


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder (or file) on the way up from `path` that exists: where it would be made."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@dataclass(frozen=True)
class Target:
    """What a film run makes, its inputs checked: the storyboard, its plan, the shots chosen (all,
    or --only / --until's), where the film goes and the store it renders with."""

    board: storyboard.Storyboard
    gateway: gateways.Gateway
    graph: nx.DiGraph
    chosen: list[str]
    output: Path
    store_root: Path

    @property
    def partial(self) -> bool:
        return len(self.chosen) < len(self.graph)


def check_inputs(story: Path, settings: Settings, *, output: Path | None = None, store: Path | None = None,
                 only: str | None = None, until: str | None = None, service: str | None = None) -> Target:
    """Checks 1 to 5: everything that needs no store. A part of the film (--only, --until) goes
    beside the whole one, named after its part, unless `output` names it. `service`: a base URL
    given outright (tests), in place of the settings' and the gateway's."""
    ffmpeg_exe()
    board = load_storyboard(story)
    gateway = gateways.chosen(settings.gateway, board.gateway, str(story))
    if service is None and not settings.uses_local_backend:
        gateways.base_url(gateway, settings.base_url)
    graph = planning.compile_plan(board)
    chosen = planning.select(graph, story, only=only, until=until)
    whole = film_path(board)
    if output is None:
        output = whole if len(chosen) == len(graph) else \
            whole.with_name(f"{whole.stem}.{only or 'until-' + str(until)}.mp4")
    store_root = store or story.parent / ".storyfilm"
    assemble.check_output(output, store_root)
    check_not_own_output(board, story, output)
    return Target(board, gateway, graph, chosen, output, store_root)


def check_spending(story: Path, settings: Settings, target: Target, to_render: list[explain.ShotStatus], *,
                   spend: float, max_cost: float | None) -> None:
    """Checks 6 and 7, once each shot's state is known: `to_render`, the shots that must render
    (nothing cached), would cost `spend`."""
    if to_render and not target.partial:  # the lock file is written last: a folder that cannot take it stops us now
        lockfile.check_writable(story, preview=settings.uses_local_backend)
    if max_cost is not None and spend > max_cost + 1e-9:
        raise OverBudget(over_budget(spend, max_cost, to_render))


def over_budget(spend: float, limit: float, to_render: list[explain.ShotStatus]) -> str:
    """The total, the limit and the few costliest shots to render: one short message, however
    many shots the storyboard has."""
    costliest = sorted(to_render, key=lambda s: -s.cost)[:BUDGET_SHOTS_SHOWN]  # stable: storyboard order on ties
    lines = [f"  {s.shot_id}: {s.describe()}  ({s.cost:.2f} CNY)" for s in costliest]
    shown = {id(s) for s in costliest}
    rest = [s for s in to_render if id(s) not in shown]
    if rest:
        lines.append(f"  and {len(rest)} more shot{'s' * (len(rest) != 1)} ({sum(s.cost for s in rest):.2f} CNY)")
    shots = f"{len(to_render)} shot{'s' * (len(to_render) != 1)} to render"
    heading = "the costliest" if rest else "they are"
    return (f"this render would cost {spend:.2f} CNY, more than --max-cost {limit:.2f}; nothing was spent. "
            f"{shots}; {heading}:\n" + "\n".join(lines))
