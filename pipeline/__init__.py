"""storyfilm: a YAML storyboard in, one finished Seedance-generated film out.

The Python API (README, "Python API"): three functions, each a thin layer over what the commands use.

    storyfilm.validate(path) -> Storyboard       check a storyboard; StoryboardError lists every fault
    storyfilm.plan(path) -> networkx.DiGraph     the shots as jobs (cost, tokens, dependencies); no I/O but the reads
    storyfilm.render(path, ...) -> FilmRun       render and join the film, as `storyfilm film` does

Errors are the classes of storyfilm.errors (all StoryfilmError, each with its exit code). Importing
storyfilm imports nothing else: each function imports what it needs when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and readers only; nothing is imported at run time
    import networkx as nx

    from storyfilm.film import FilmRun
    from storyfilm.storyboard import Storyboard

__version__ = "0.1.0"
__all__ = ["render", "validate", "plan", "__version__"]


def validate(path: str | Path) -> "Storyboard":
    """Read and check the storyboard at `path` and the media it names.

    Returns the storyboard (title, shots, defaults resolved). Raises storyfilm.errors.StoryboardError
    with every problem (file, line, what is wrong) when it is not valid; nothing is sent anywhere."""
    from storyfilm.mediaio.inputs import load_storyboard

    return load_storyboard(path)


def plan(path: str | Path) -> "nx.DiGraph":
    """The render plan of the storyboard at `path`: a networkx DiGraph with one node per shot, in
    storyboard order, `graph.nodes[shot]["job"]` its ShotJob (model, size, frames, tokens, cost in
    CNY, request body), and an edge where a shot starts on another's last frame. Nothing is rendered
    or sent. Raises StoryboardError as validate() does."""
    from storyfilm.planning.jobs import compile_plan

    return compile_plan(validate(path))


def render(path: str | Path, *, output: str | Path | None = None, max_cost: float | None = None,
           only: str | None = None, until: str | None = None, store: str | Path | None = None,
           concurrency: int | None = None, progress: IO[str] | None = None,
           env: dict[str, str] | None = None) -> "FilmRun":
    """Render the storyboard at `path` into a film, as `storyfilm film` does: cached shots are reused,
    an interrupted render resumes, nothing is paid twice.

    output       the film (default: the storyboard's `output`, else build/<name>.mp4)
    max_cost     refuse (OverBudget, nothing spent) when what must render costs more (CNY)
    only, until  render one shot (and those it starts from), or the film up to a shot
    store        media store and journal (default .storyfilm beside the storyboard)
    concurrency  tasks in flight per model (default: the model's limit)
    progress     where progress lines go (default: nowhere)
    env          the environment to read ARK_API_KEY, ARK_BASE_URL... from (default os.environ);
                 without ARK_API_KEY the local preview server renders and nothing is spent

    Returns a FilmRun: output, lock_file, results (per shot: task, seed, tokens, cached), statuses,
    spent (CNY), warnings, preview. Raises a storyfilm.errors.StoryfilmError on failure."""
    import io

    from storyfilm import film
    from storyfilm.settings import Settings

    options = film.FilmOptions(output=Path(output) if output else None, only=only, until=until, max_cost=max_cost,
                               store=Path(store) if store else None, concurrency=concurrency)
    return film.run(Path(path), Settings.from_env(env), options, out=progress or io.StringIO())


