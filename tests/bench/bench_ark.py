"""Local Ark server under load: 200 concurrent clients polling get, and create throughput.

The server runs in its own process (`python -m storyfilm serve`, tasks parked in the queue by a
fault so no rendering competes); the clients are real ArkClients over real sockets.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from storyfilm.ark.client import ArkClient, RetryPolicy  # noqa: E402

CLIENTS = 200
POLL_INTERVAL = 1.0
POLL_SECONDS = 10.0
CREATES = 300
CREATE_CONCURRENCY = 20
WORKERS = 4  # processes the 200 polling clients are spread over
MODELS = ("doubao-seedance-1-0-pro-250528", "doubao-seedance-1-0-pro-fast-251015", "doubao-seedance-1-5-pro-251215")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVE = """
import sys, uvicorn
from storyfilm.localark.app import LocalArk
uvicorn.run(LocalArk(faults="queue=3600").app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def _start_server(port: int) -> subprocess.Popen:
    """The local server alone in its own process, as `serve` runs it but without access logs."""
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_local/stats", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the bench server did not start")


def _body(n: int) -> dict:
    return {"model": MODELS[n % len(MODELS)], "content": [{"type": "text", "text": f"bench shot {n}"}],
            "resolution": "480p", "duration": 5, "seed": n}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), load-independent unlike latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _creates(base_url: str) -> tuple[list[str], float]:
    """CREATES tasks by CREATE_CONCURRENCY clients (under every model's RPM): ids, tasks per second."""
    clients = [ArkClient(base_url, "bench-key", retry=RetryPolicy(attempts=1))
               for _ in range(CREATE_CONCURRENCY)]
    queue = list(range(CREATES))
    ids: list[str] = []

    async def creator(client: ArkClient) -> None:
        while queue:
            ids.append(await client.create(_body(queue.pop())))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(creator(c) for c in clients))
    finally:
        for c in clients:
            await c.aclose()
    return ids, CREATES / (time.perf_counter() - started)


async def _pollers(base_url: str, ids: list[str], start_at: float) -> tuple[list[float], list[float], float]:
    """Each simulated client is its own ArkClient with its own connection, polling its task every
    POLL_INTERVAL seconds; then all of them get at the same instant (the burst)."""
    clients = [ArkClient(base_url, "bench-key", retry=RetryPolicy(attempts=1))
               for _ in ids]
    samples: list[float] = []
    burst: list[float] = []
    await asyncio.gather(*(c.get(t) for c, t in zip(clients, ids)))  # connect first: steady state is measured
    await asyncio.sleep(max(0.0, start_at - time.time()))
    stop = time.perf_counter() + POLL_SECONDS

    async def poller(client: ArkClient, task_id: str) -> None:
        await asyncio.sleep(random.random() * POLL_INTERVAL)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await client.get(task_id)
            samples.append(time.perf_counter() - t0)
            await asyncio.sleep(POLL_INTERVAL)

    async def once(client: ArkClient, task_id: str) -> None:
        t0 = time.perf_counter()
        await client.get(task_id)
        burst.append(time.perf_counter() - t0)

    try:
        cpu = _cpu_seconds(os.getpid())
        await asyncio.gather(*(poller(c, t) for c, t in zip(clients, ids)))
        cpu = _cpu_seconds(os.getpid()) - cpu
        await asyncio.sleep(max(0.0, start_at + POLL_SECONDS + 2 * POLL_INTERVAL - time.time()))
        await asyncio.gather(*(once(c, t) for c, t in zip(clients, ids)))
    finally:
        for c in clients:
            await c.aclose()
    return samples, burst, cpu


def _poll_worker(base_url: str, ids: list[str], start_at: float) -> None:
    """A worker process: poll, then print samples, burst and its CPU seconds while polling as JSON."""
    print(json.dumps(asyncio.run(_pollers(base_url, ids, start_at))))


def _bench(base_url: str, pid: int) -> dict[str, float]:
    """Creates, then CLIENTS pollers spread over WORKERS processes (one event loop for all 200
    would itself become the bottleneck on 2 cores)."""
    ids, create_rate = asyncio.run(_creates(base_url))
    start_at = time.time() + 3.0  # every worker starts polling at the same moment
    cpu_before = _cpu_seconds(pid)
    workers = [subprocess.Popen([sys.executable, __file__, "--poll", base_url, str(start_at),
                                 ",".join(ids[n % len(ids)] for n in range(w, CLIENTS, WORKERS))],
                                cwd=REPO, stdout=subprocess.PIPE, text=True) for w in range(WORKERS)]
    results = [json.loads(w.communicate(timeout=120)[0]) for w in workers]
    samples = [x for r in results for x in r[0]]
    burst = [x for r in results for x in r[1]]
    server_cpu = (_cpu_seconds(pid) - cpu_before) / (len(samples) + len(burst) + CLIENTS)  # + the warm-up gets
    client_cpu = sum(r[2] for r in results) / len(samples)
    q = statistics.quantiles(samples, n=100)
    b = statistics.quantiles(burst, n=100)
    return {"p50": q[49] * 1000, "p99": q[98] * 1000, "n": len(samples), "rate": create_rate,
            "burst_p50": b[49] * 1000, "burst_p99": b[98] * 1000, "cpu": server_cpu * 1000,
            "client_cpu": client_cpu * 1000, "load": os.getloadavg()[0]}


def run() -> list[tuple[str, str, str]]:
    port = _free_port()
    proc = _start_server(port)
    try:
        figures = _bench(f"http://127.0.0.1:{port}/api/v3", proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return [
        (f"get latency p50, {CLIENTS} clients polling every {POLL_INTERVAL:g} s", f"{figures['p50']:.1f} ms", ""),
        (f"get latency p99 ({figures['n']} polls)", f"{figures['p99']:.1f} ms", "< 50 ms"),
        (f"get latency p50 / p99, {CLIENTS} gets at once", f"{figures['burst_p50']:.0f} / {figures['burst_p99']:.0f} ms", ""),
        ("server CPU per get (load-independent)", f"{figures['cpu']:.2f} ms", ""),
        (f"client CPU per get (httpx + ArkClient, {WORKERS} processes)", f"{figures['client_cpu']:.2f} ms", ""),
        (f"create throughput ({CREATE_CONCURRENCY} concurrent creators)", f"{figures['rate']:.0f} tasks/s", ""),
        ("machine load average during the run (2 cores)", f"{figures['load']:.1f}", ""),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--poll"]:
        _poll_worker(sys.argv[2], sys.argv[4].split(","), float(sys.argv[3]))
        raise SystemExit(0)
    for row in run():
        print("  ".join(row))
