"""Helpers the tests share: test media, the CLI in a subprocess, raw Ark requests, renders."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from storyfilm.mediaio import runner
from storyfilm.localark.app import LocalArk
from storyfilm.localark.embedded import LocalServer
from storyfilm.rendering.store import sha256_file

REPO = Path(__file__).resolve().parents[1]


def make_image(path: Path, width: int, height: int, *, color: str = "0x3366aa") -> Path:
    """A test picture with structure (a gradient and a circle), made by ffmpeg."""
    runner.run(["-f", "lavfi", "-i", f"gradients=s={width}x{height}:c0={color}:c1=0xffcc66:seed=3:d=1",
                "-vf", "geq=r='if(lt(hypot(X-W/2,Y-H/2),H/4),220,r(X,Y))':g='g(X,Y)':b='b(X,Y)'",
                "-frames:v", "1", "-y", str(path)], what="make a test image")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "storyfilm", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or REPO, timeout=300)


# -- Ark helpers (issue 4) ----------------------------------------------------------------------

TASKS = "/contents/generations/tasks"
PRO = "doubao-seedance-1-0-pro-250528"


def ark_http(server, method: str, path: str = "", *, key: str | None = "local-preview", **kw):
    """One raw request to a LocalServer's tasks API over a real socket (no retries)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    with httpx.Client(headers=headers, timeout=30) as http:
        return http.request(method, server.base_url + TASKS + path, **kw)


def wait_status(server, task_id: str, statuses: set[str], timeout: float = 30.0) -> dict:
    """Poll a task over HTTP until its status is one of `statuses`; its JSON."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body = ark_http(server, "GET", f"/{task_id}").json()
        if body.get("status") in statuses or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def text_task(**params) -> dict:
    """A small, cheap create body (1.0 pro, 480p, 2 s)."""
    body = {"model": PRO, "content": [{"type": "text", "text": "A paper boat drifts on a pond."}],
            "resolution": "480p", "duration": 2}
    body.update(params)
    return body


def render_story(story: Path, server: LocalServer, *, settings=None, **options):
    """Render a storyboard in-process against `server` (film.run), its progress kept in `.log`;
    `settings` (storyfilm.settings.Settings) as the environment would give them (default: none set)."""
    import io

    from storyfilm import film
    from storyfilm.settings import Settings

    log = io.StringIO()
    options.setdefault("store", story.parent / ".storyfilm")
    options.setdefault("output", story.parent / f"{story.stem}.mp4")
    options.setdefault("poll_interval", 0.05)
    outcome = film.run(story, settings or Settings(), film.FilmOptions(base_url=server.base_url, **options), out=log)
    outcome.log = log.getvalue()
    return outcome


def server_counts(server: LocalServer) -> dict[str, int]:
    return dict(server.ark.stats)


def counted(before: dict[str, int], server: LocalServer) -> dict[str, int]:
    """Requests the server saw since `before`, by operation (zeros left out)."""
    now = server.ark.stats
    return {k: now[k] - before.get(k, 0) for k in now if now[k] - before.get(k, 0)}


@contextlib.contextmanager
def serve_process(*args: str, env: dict[str, str] | None = None):
    """`python -m storyfilm serve` in its own process on a free port; yields its root URL."""
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "storyfilm", "serve", "--port", str(port), *args], cwd=REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(root + "/_local/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield root
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def chains_story(path: Path, title: str, chains: int, length: int) -> tuple[Path, list[str]]:
    lines = [f"title: {title}\n",
             'defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}\n',
             "shots:\n"]
    ids = []
    for c in range(chains):
        for s in range(length):
            shot = f"c{c}s{s}"
            ids.append(shot)
            cut = ", cut: true" if s == 0 else ""
            lines.append(f"  - {{id: {shot}, prompt: \"Chain {c}, shot {s}: a lantern moves.\"{cut}}}\n")
    path.write_text("".join(lines))
    return path, ids


def tasks_by_seed(server, seeds: set[int]) -> dict[int, list[str]]:
    """What the service holds for our seeds, read through its own list API (ark-api.md §9)."""
    import asyncio

    from storyfilm.ark.client import ArkClient

    async def read():
        async with ArkClient(server.base_url, "sk-test-reader") as client:
            return await client.list(page_size=500)

    found: dict[int, list[str]] = {}
    for task in asyncio.run(read()).items:
        if task.seed in seeds:
            found.setdefault(task.seed, []).append(task.id)
    return found


def assert_store_whole(store: Path) -> None:
    """Every object is complete (its name is its hash) and nothing half-written is left."""
    for obj in (store / "objects").iterdir():
        assert sha256_file(obj) == obj.name, f"partial or corrupt object {obj.name}"
    assert list((store / "incoming").iterdir()) == []


# -- frames and sound measured in tests (issue 10: out of the product) ---------------------------

def extract_frame(video: Path, index: int, png: Path) -> Path:
    """Decode frame number `index` (0-based) of a video to PNG."""
    runner.run(["-i", str(video), "-map", "0:v:0", "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
                "-frames:v", "1", "-y", str(png)], what=f"extract frame {index}")
    return png


def psnr(a: Path, b: Path) -> float:
    """Peak signal-to-noise ratio (dB, average over planes) of two same-size images; inf when identical."""
    proc = runner.run(["-i", str(a), "-i", str(b), "-filter_complex",
                       "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr", "-f", "null", "-"],
                      what="compare two frames")
    m = re.search(r"PSNR .*?average:(inf|[\d.]+)", proc.stderr.decode(errors="replace"))
    assert m, f"no PSNR figure comparing {a} and {b}"
    return float(m[1])


def decoded_seconds(path: Path, stream: str = "a") -> float:
    """How long a file's first audio ("a") or video ("v") stream plays once decoded."""
    proc = runner.run(["-i", str(path), "-map", f"0:{stream}:0", "-f", "null", "-"], what=f"decode {path.name}")
    times = re.findall(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)", proc.stderr.decode(errors="replace"))
    assert times, f"no {stream} stream decoded from {path}"
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


# -- in-process Ark, lost creates, journal (issue 10) ----------------------------------------------

import httpx  # noqa: E402

IN_PROCESS_BASE = "http://ark.test/api/v3"


@contextlib.asynccontextmanager
async def in_process_ark(*, wrap=None, **options):
    """The local server's ASGI app in this event loop (no sockets, no threads): yields the
    LocalArk (tasks, stats, faults) and an httpx.AsyncClient for ArkClient(IN_PROCESS_BASE, ...,
    http=...). `wrap` puts a test transport in front of the app."""
    from storyfilm.localark.app import LocalArk

    options.setdefault("faults", "")
    ark = LocalArk(**options)
    transport = httpx.ASGITransport(app=ark.app())
    try:
        async with httpx.AsyncClient(transport=wrap(transport) if wrap else transport) as http:
            yield ark, http
    finally:
        await ark.aclose()


@contextlib.asynccontextmanager
async def ark_behind(make, **options):
    """`in_process_ark` with the transport `make(inner)` (a LandsLate, say) in front of the app:
    yields the LocalArk, the httpx.AsyncClient and that transport."""
    made: list = []

    def wrap(inner):
        made.append(make(inner))
        return made[0]

    async with in_process_ark(wrap=wrap, **options) as (ark, http):
        yield ark, http, made[0]


class LandsLate(httpx.AsyncBaseTransport):
    """A transport in front of the service: the first `lose` creates get no answer (ReadTimeout)
    and are held back; each reaches the service only after the next list has been answered, so
    a create lands a moment after the first look for it (with land=False, never: it was lost on
    its way). `held` may be filled by a test with a create that a killed process sent; `landed`
    is the ids the held creates made."""

    def __init__(self, inner, *, lose: int = 1, land: bool = True):
        self.inner, self.lose, self.land = inner, lose, land
        self.held: list = []
        self.landed: list[str] = []

    async def handle_async_request(self, request):
        import json

        if request.method == "POST" and self.lose > 0:
            self.lose -= 1
            await request.aread()
            if self.land:
                self.held.append(request)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path.endswith(TASKS) and self.held:
            for held in self.held:  # the list was answered without them: now they land
                answer = await self.inner.handle_async_request(held)
                self.landed.append(json.loads(b"".join([part async for part in answer.stream]))["id"])
            self.held.clear()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class OtherTimes(httpx.AsyncBaseTransport):
    """The service answering every task's created_at / updated_at as `times` makes it (a clock
    `date_shift` seconds from ours also moves its Date header): a service whose clock or units
    differ from ours."""

    def __init__(self, inner, times, *, date_shift: float | None = None):
        self.inner, self.times, self.date_shift = inner, times, date_shift

    async def handle_async_request(self, request):
        import email.utils
        import json
        import time

        answer = await self.inner.handle_async_request(request)
        body = await answer.aread()
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        for task in (data.get("items") or [data]) if isinstance(data, dict) else []:
            for name in ("created_at", "updated_at"):
                if isinstance(task, dict) and isinstance(task.get(name), int):
                    task[name] = self.times(task[name])
        dropped = ("content-length", "date") if self.date_shift is not None else ("content-length",)
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in dropped}
        if self.date_shift is not None:
            headers["date"] = email.utils.formatdate(time.time() + self.date_shift, usegmt=True)
        content = json.dumps(data).encode() if data is not None else body
        return httpx.Response(answer.status_code, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def until_done(client, task_id: str, *, timeout: float = 120.0):
    """Wait for one task the way a render does (the poller): the Task, or TaskFailed."""
    from storyfilm.rendering.poller import Poller

    async with Poller(client, min_interval=0.05, max_interval=0.5) as poller:
        return await poller.wait(task_id, timeout=timeout)


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


# -- the tasks API in-process, as a raw HTTP client sees it (localark tests) ----------------------

@contextlib.asynccontextmanager
async def ark_in_process(key: str | None = "local-preview", **options):
    """`in_process_ark` for raw requests: `http` is rooted at IN_PROCESS_BASE (requests go to
    TASKS...) and sends `key` as its bearer token (None: no Authorization header)."""
    async with in_process_ark(**options) as (ark, http):
        http.base_url = IN_PROCESS_BASE
        if key is not None:
            http.headers["Authorization"] = f"Bearer {key}"
        yield ark, http


async def settled(ark, task_id: str, statuses: set[str], timeout: float = 30.0) -> str:
    """Let the server's loop run until the task's status is one of `statuses`; that status."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while (status := ark.tasks[task_id].status) not in statuses:
        assert time.monotonic() < deadline, f"{task_id} is still {status}, not {statuses}"
        await asyncio.sleep(0.005)
    return status


def error_of(response, status: int, code: str, param: str, message: str) -> None:
    """The service's error answer, exactly: status, code, param, type and message with the request id."""
    reasons = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "BadRequest", 429: "TooManyRequests"}
    assert (response.status_code, response.json()) == (status, {"error": {
        "code": code, "param": param, "type": reasons[status],
        "message": f"{message} Request id: {response.headers['X-Request-Id']}"}})


# -- purity (issue 10) --------------------------------------------------------------------------

_IO_EVENTS = ("open", "os.", "socket.", "subprocess.", "shutil.", "sqlite3.", "urllib.", "http.")
_io_watchers: dict[int, list[str]] = {}  # thread id → what that thread's watched block did


def _audit(event: str, args: tuple) -> None:
    seen = _io_watchers.get(threading.get_ident())
    if seen is not None and event.startswith(_IO_EVENTS):
        seen.append(f"{event} {args[0] if args else ''}")


@contextlib.contextmanager
def io_watch():
    """Yields a list of the file, directory, socket and process operations this thread makes inside
    the block: Python's audit events, plus os.stat/os.lstat, which raise none. A pure block leaves it
    empty. (Other threads, such as the session's local server, are not watched.)"""
    if not getattr(io_watch, "hooked", False):
        sys.addaudithook(_audit)  # cannot be removed: it records only while a block is watched
        io_watch.hooked = True  # type: ignore[attr-defined]
    seen: list[str] = []
    me = threading.get_ident()
    real = {name: getattr(os, name) for name in ("stat", "lstat")}

    def watched(name):
        def call(path, *args, **kwargs):
            if threading.get_ident() == me:
                seen.append(f"os.{name} {path}")
            return real[name](path, *args, **kwargs)
        return call

    _io_watchers[me] = seen
    for name in real:
        setattr(os, name, watched(name))
    try:
        yield seen
    finally:
        for name, function in real.items():
            setattr(os, name, function)
        del _io_watchers[me]


def memory_resolver(media: dict):
    """A storyboard media resolver over a dict (source as written → Media), touching no file; and the
    list of (source, folder) it was asked for."""
    from storyfilm.errors import MediaProblem

    asked: list[tuple[str, Path]] = []

    def resolve(source: str, folder: Path):
        asked.append((source, folder))
        if source not in media:
            raise MediaProblem(f"file not found: {source}")
        return media[source]

    return resolve, asked


# -- the kill drill, money rules (issue 11) --------------------------------------------------------

def film_process(story: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    """`python -m storyfilm film STORY --json` in its own process, as a user starts it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")} | env
    return subprocess.Popen([sys.executable, "-m", "storyfilm", "film", str(story), "--json", "-o",
                             str(story.with_suffix(".mp4")), *extra], cwd=REPO, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1)


def until_running(proc: subprocess.Popen[str], count: int) -> dict[str, str]:
    """Read a `film --json` process's events until `count` shots run on the service: shot → task id."""
    import json

    running: dict[str, str] = {}
    for line in proc.stdout or ():
        event = json.loads(line)
        if event["event"] == "running":
            running[event["shot"]] = event["detail"].split()[-1]
        if len(running) == count:
            break
    return running


def kill_at(proc: subprocess.Popen[str], *, event: str | None = None, after: float = 0.0) -> str:
    """SIGKILL the render `after` seconds after it reports `event` (None: after it starts); what it
    was doing then. A render that finishes first is left alone."""
    import json
    import selectors
    import signal
    import time

    started = time.monotonic()
    armed = started if event is None else None
    last = "started"
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    while True:
        now = time.monotonic()
        if armed is not None and now >= armed + after:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return last
        assert now - started < 120, "the render neither finished nor reached the moment"
        if selector.select(timeout=0.02):
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                return "finished before the kill"
            record = json.loads(line)
            last = f"{record['event']} {record.get('shot', '')}".strip()
            if armed is None and record["event"] == event:
                armed = time.monotonic()


def paid_tasks(server, seeds: dict[int, str]) -> dict[str, list[tuple[str, str]]]:
    """Per shot (found by its pinned seed), the (task id, status) of every task the service made
    for it, read through the service's own list API; a cancelled task costs nothing and is left out."""
    import asyncio

    from storyfilm.ark.client import ArkClient

    async def read():
        async with ArkClient(server.base_url, "sk-test-reader") as client:
            return await client.list(page_size=500)

    found: dict[str, list[tuple[str, str]]] = {}
    for task in asyncio.run(read()).items:
        if task.seed in seeds and task.status != "cancelled":
            found.setdefault(seeds[task.seed], []).append((task.id, task.status))
    return found


class LandsAfter(LandsLate):
    """LandsLate whose held creates land only after the `lists`-th list answer: later than every
    look of the resolver, once the shot's task was created again."""

    def __init__(self, inner, *, lists: int):
        super().__init__(inner, lose=0)
        self.lists = lists

    async def handle_async_request(self, request):
        if request.method == "GET" and request.url.path.endswith(TASKS):
            self.lists -= 1
            if self.lists > 0:
                return await self.inner.handle_async_request(request)
        return await super().handle_async_request(request)

# -- determinism and the store's trust (issue 11) ------------------------------------------------

def under_load(script: str, runs: list[list[str]], *, burners: int = 2, timeout: float = 240) -> list[str]:
    """Run `python -c script ARGS...` once per entry of `runs`, all at the same time, while `burners`
    processes keep every core busy: what each printed (stripped). A run that fails fails the test."""
    burn = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
    try:
        procs = [subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=REPO) for args in runs]
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err
            outputs.append(out.strip())
        return outputs
    finally:
        for proc in burn:
            proc.kill()
            proc.wait()


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


def one_shot(path: Path, title: str, shot: str, prompt: str):
    """A one-shot 1.0 pro storyboard (480p, 2 s) written to `path`: its plan graph, the shot's job
    and the create body a render would send for it (to a service with a task list: marked)."""
    from storyfilm import planning
    from storyfilm.mediaio.inputs import data_url, load_storyboard
    from storyfilm.seedance import request_mark

    path.write_text(f"title: {title}\n"
                    "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                    f"shots:\n  - id: {shot}\n    prompt: {prompt}\n")
    graph = planning.compile_plan(load_storyboard(path))
    job = planning.jobs(graph)[0]
    return graph, job, request_mark.marked(job.request(None, data_url))


def colour_clip(path: Path, colour: str, frames: int = 24, size: tuple[int, int] = (160, 90)) -> Path:
    """A small H.264 clip of one colour at 24 fps (`frames` long), for tests of the cut."""
    from storyfilm.mediaio import runner

    runner.run(["-f", "lavfi", "-i", f"color=c={colour}:s={size[0]}x{size[1]}:r=24", "-frames:v", str(frames),
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1", "-y", str(path)],
               what="make a test clip")
    return path


@contextlib.contextmanager
def faults_on(server, spec: str):
    """The local server injects `spec` (localark/faults.py) inside the block, and nothing after it."""
    from storyfilm.localark.faults import Faults

    server.ark.faults = Faults.parse(spec)
    try:
        yield
    finally:
        server.ark.faults = Faults.parse("")


def four_shot_cut(folder: Path, caption: str):
    """The cut the editor exports are tested on, joined into `folder/build/cut.mp4`: a chain, a trim,
    a crossfade, a fade through black and music (160x90, 24 fps). Returns (clips, spec, report)."""
    from storyfilm.assembly.assemble import ClipIn, FilmSpec, Soundtrack, Transition, Trim, assemble

    music = folder / "music.wav"
    runner.run(["-f", "lavfi", "-i", "sine=f=220:r=48000:d=1", "-y", str(music)], what="make music")
    clips = [ClipIn(colour_clip(folder / "a.mp4", "red"), "open", caption=caption),
             ClipIn(colour_clip(folder / "b.mp4", "green"), "roll", chained=True, trim=Trim(end=0.75)),
             ClipIn(colour_clip(folder / "c.mp4", "blue", 36), "end", transition=Transition("crossfade", 0.25),
                    trim=Trim(start=0.25)),
             ClipIn(colour_clip(folder / "d.mp4", "white"), "card", transition=Transition("fade_black", 0.5))]
    spec = FilmSpec(160, 90, review=False, loudness=None, soundtrack=Soundtrack(music))
    return clips, spec, assemble(clips, spec, folder / "build" / "cut.mp4")


# -- gateways (seeds 003 and 004) -----------------------------------------------------------------

CAT = "A cat stretches on a sunny windowsill."


def gateway_story(path: Path, title: str, gateway: str = "videos-gateway", shots=(("cat", CAT),)) -> Path:
    """A storyboard of Seedance 2.0 fast shots (480p, 4 s), `shots` as (id, prompt), that goes through
    `gateway`, written to `path`."""
    lines = [f"title: {title}", f"gateway: {gateway}",
             "defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}", "shots:"]
    for shot, prompt in shots:
        lines += [f"  - id: {shot}", f"    prompt: {prompt}"]
    path.write_text("\n".join(lines) + "\n")
    return path


class RefusingArk(LocalArk):
    """The local server, but the requests `refuses(scope)` picks are answered `status` with the JSON
    `body` and counted in stats[`counted`]: a gateway without a route, files behind a key."""

    status, body, counted = 404, {"error": "route not found"}, "refused"

    def refuses(self, scope) -> bool:
        raise NotImplementedError

    def app(self, *args, **kwargs):
        from starlette.responses import JSONResponse

        served = super().app(*args, **kwargs)

        async def app(scope, receive, send):
            if scope["type"] == "http" and self.refuses(scope):
                self.stats[self.counted] += 1
                await JSONResponse(self.body, status_code=self.status)(scope, receive, send)
                return
            await served(scope, receive, send)
        return app


# -- a hostile HTTP service (the sixth round's sweeps) ------------------------------------------

class HostileService:
    """A raw-socket HTTP/1.1 server on 127.0.0.1 whose every answer is chosen by `answer(method,
    path)`: bytes are sent as they are and the connection closed; None answers nothing (reads until
    the test ends); a callable gets the socket (to stream, or to close at once). Records every
    request: `requests` as `METHOD path` (no query), `raw` as the bytes read, to look for a key."""

    def __init__(self, answer) -> None:
        import socket

        self.answer = answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/v3"
        self.requests: list[str] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def count(self, request: str) -> int:
        with self.lock:
            return self.requests.count(request)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            method, target = head.split(b" ")[:2]
            path = target.decode().split("?")[0]
            with self.lock:
                self.requests.append(f"{method.decode()} {path}")
                self.raw.append(head + b"\r\n\r\n" + body)
            reply = self.answer(method.decode(), path)
            try:
                if reply is None:
                    self.closed.wait()
                elif callable(reply):
                    reply(conn)
                else:
                    conn.sendall(reply)
            except OSError:  # the client gave up: that is what the test is about
                pass

    def __enter__(self) -> "HostileService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.sock.close()


def http_reply(status: int, body: bytes | str = b"", headers: dict[str, str] | None = None) -> bytes:
    """One whole HTTP/1.1 answer (JSON unless told), closing the connection."""
    body = body.encode() if isinstance(body, str) else body
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
              **(headers or {})}
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v is not None)
    return head.encode() + b"\r\n" + body


def assert_refused_up_front(argv: list[str], folder: Path, server: LocalServer, capsys, expected: str,
                            secrets: tuple[str, ...] = ()) -> None:
    """`storyfilm ARGV` (in this process) refused as bad input: exit 2, `expected` as the one line on
    stderr and nothing on stdout, no secret shown, not one request to `server`, and nothing written
    in `folder` beside what it held."""
    from storyfilm import cli

    held = sorted(p.name for p in folder.iterdir())
    before = sum(server.ark.stats.values())
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's errors leave through SystemExit, as a process exit
        status = exit_.code
    captured = capsys.readouterr()
    assert (status, captured.out, captured.err) == (2, "", expected + "\n")
    assert not [s for s in secrets if s in captured.err]
    assert sum(server.ark.stats.values()) == before  # not one request
    assert sorted(p.name for p in folder.iterdir()) == held  # no journal, store, film or lock file


TWO_SHOTS = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"


def assert_case_refused(case, folder: Path, server: LocalServer, monkeypatch, capsys, *, key: str,
                        secrets: tuple[str, ...]) -> None:
    """One hostile case, (command line, environment, the one line expected), against the storyboard
    TWO_SHOTS as `folder`/two.yaml, run in `folder` with `key` and `server` in the environment and
    the case's on top: refused up front (assert_refused_up_front). {story}, {dir} and {userinfo_url}
    (the server's URL with a user name and password in it) are filled in where the case has them."""
    argv, env, expected = case
    story = folder / "two.yaml"
    story.write_text(TWO_SHOTS, encoding="utf-8")
    monkeypatch.chdir(folder)  # a film that went ahead would land in build/ here
    monkeypatch.setenv("ARK_API_KEY", key)
    monkeypatch.setenv("ARK_BASE_URL", server.base_url)
    fill = {"story": str(story), "dir": str(folder),
            "userinfo_url": server.base_url.replace("://", "://storyfilm:pa55word@")}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value.format(**fill))
    assert_refused_up_front([arg.format(**fill) for arg in argv], folder, server, capsys, expected.format(**fill),
                            secrets=secrets)


# a, b and c need no frame from another shot; d starts from c's last frame, so its create would come
# only after c is stored (tests of a film that stops creating: d never is)
FOUR_SHOTS = """\
title: drain
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}
shots:
  - {id: a, prompt: A cat stretches on a sunny windowsill.}
  - {id: b, prompt: A dog runs along a beach., cut: true}
  - {id: c, prompt: A kite rises over a field., cut: true}
  - {id: d, prompt: The kite dives into the grass.}
"""
