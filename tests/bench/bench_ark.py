"""Local Ark server under load: 200 concurrent clients polling get, and create throughput.

The server runs in its own process (`python -m pipeline serve`, tasks parked in the queue by a
fault so no rendering competes); the clients are real ArkClients over real sockets.
"""

from __future__ import annotations

import asyncio
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

from pipeline.ark.client import ArkClient, RetryPolicy  # noqa: E402

CLIENTS = 200
POLL_INTERVAL = 1.0
POLL_SECONDS = 10.0
CREATES = 300
CREATE_CONCURRENCY = 20
MODELS = ("doubao-seedance-1-0-pro-250528", "doubao-seedance-1-0-pro-fast-251015", "doubao-seedance-1-5-pro-251215")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVE = """
import sys, uvicorn
from pipeline.ark.server import LocalArk
uvicorn.run(LocalArk().app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def _start_server(port: int) -> subprocess.Popen:
    """The local server alone in its own process, as `serve` runs it but without access logs."""
    env = {**os.environ, "STORYFILM_FAULTS": "queue=3600"}
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


async def _bench(base_url: str, pid: int) -> dict[str, float]:
    """Each simulated client is its own ArkClient with its own connection, as 200 separate
    processes would be (one shared pool of 200 connections costs httpx far more CPU per request)."""
    clients = [ArkClient(base_url, "bench-key", http=httpx.AsyncClient(timeout=30),
                         retry=RetryPolicy(attempts=1)) for _ in range(CLIENTS)]
    try:
        # create throughput: CREATE_CONCURRENCY creators, CREATES tasks (under every model's RPM)
        queue = list(range(CREATES))
        ids: list[str] = []

        async def creator(client: ArkClient) -> None:
            while queue:
                ids.append(await client.create(_body(queue.pop())))

        started = time.perf_counter()
        await asyncio.gather(*(creator(clients[n]) for n in range(CREATE_CONCURRENCY)))
        create_rate = CREATES / (time.perf_counter() - started)

        # 200 clients, each polling its own task every POLL_INTERVAL seconds
        samples: list[float] = []
        stop = time.perf_counter() + POLL_SECONDS
        cpu_before, own_before = _cpu_seconds(pid), _cpu_seconds(os.getpid())

        async def poller(client: ArkClient, task_id: str) -> None:
            await asyncio.sleep(random.random() * POLL_INTERVAL)
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                await client.get(task_id)
                samples.append(time.perf_counter() - t0)
                await asyncio.sleep(POLL_INTERVAL)

        await asyncio.gather(*(poller(clients[n], ids[n % len(ids)]) for n in range(CLIENTS)))
        cpu_per_get = (_cpu_seconds(pid) - cpu_before) / len(samples)
        client_cpu_per_get = (_cpu_seconds(os.getpid()) - own_before) / len(samples)

        # worst case: all 200 at the same instant
        burst: list[float] = []

        async def once(client: ArkClient, task_id: str) -> None:
            t0 = time.perf_counter()
            await client.get(task_id)
            burst.append(time.perf_counter() - t0)

        await asyncio.gather(*(once(clients[n], ids[n]) for n in range(CLIENTS)))
    finally:
        for client in clients:
            await client._http.aclose()
    q = statistics.quantiles(samples, n=100)
    b = statistics.quantiles(burst, n=100)
    return {"p50": q[49] * 1000, "p99": q[98] * 1000, "n": len(samples), "rate": create_rate,
            "burst_p50": b[49] * 1000, "burst_p99": b[98] * 1000, "cpu": cpu_per_get * 1000,
            "client_cpu": client_cpu_per_get * 1000, "load": os.getloadavg()[0]}


def run() -> list[tuple[str, str, str]]:
    port = _free_port()
    proc = _start_server(port)
    try:
        figures = asyncio.run(_bench(f"http://127.0.0.1:{port}/api/v3", proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return [
        (f"get latency p50, {CLIENTS} clients polling every {POLL_INTERVAL:g} s", f"{figures['p50']:.1f} ms", ""),
        (f"get latency p99 ({figures['n']} polls)", f"{figures['p99']:.1f} ms", "< 50 ms"),
        (f"get latency p50 / p99, {CLIENTS} gets at once", f"{figures['burst_p50']:.0f} / {figures['burst_p99']:.0f} ms", ""),
        ("server CPU per get (load-independent)", f"{figures['cpu']:.2f} ms", ""),
        ("client CPU per get (httpx + ArkClient, the bench's side)", f"{figures['client_cpu']:.2f} ms", ""),
        (f"create throughput ({CREATE_CONCURRENCY} concurrent creators)", f"{figures['rate']:.0f} tasks/s", ""),
        ("machine load average during the run (2 cores)", f"{figures['load']:.1f}", ""),
    ]


if __name__ == "__main__":
    for row in run():
        print("  ".join(row))
