"""Read throughput of the web service: the scenario list and the pledges under concurrent load.

    python bench/service.py [--requests 500] [--concurrency 20]

Starts the real server (`willing serve`, uvicorn) on 127.0.0.1 with a throwaway store and
a national representative's token, then sends `--requests` reads, alternating
`GET /api/scenarios` and `GET /api/scenarios/ukraine-2025/pledges`, from `--concurrency`
client loops (each loop sends its next request when the last one is answered). Prints p50,
p95 and the slowest latency, the throughput, and the ratio of p95 to the baseline measured in
the same run: parsing the packaged scenario and its pledges without the cache, the work each
read did before scenarios were cached. Also prints the server's CPU time per read (from
/proc, Linux), the figure least disturbed by other load on a shared machine: 2 cores divided by
it is the read rate the server could sustain. Asserts nothing (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from timing import best

TOKEN = "bench-token"
PATHS = ("/api/scenarios", "/api/scenarios/ukraine-2025/pledges")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    users = tmp / "users.yaml"
    users.write_text(f"tokens:\n  {TOKEN}: {{role: national, nation: POL}}\n", encoding="utf-8")
    cmd = [sys.executable, "-c", "from willing.cli import main; main()", "--db",
           f"sqlite:///{tmp}/runs.db", "serve", "--port", str(port), "--users", str(users)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/api/whoami", headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


async def _load(base: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    """Latencies of `requests` reads from `concurrency` loops, and the wall time."""
    latencies: list[float] = []
    todo = iter(range(requests))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:

        async def loop() -> None:
            for i in todo:
                t0 = time.perf_counter()
                res = await client.get(PATHS[i % len(PATHS)])
                latencies.append(time.perf_counter() - t0)
                res.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return latencies, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=20)
    args = ap.parse_args()

    from willing.report import bundle
    from willing.scenario import packaged, parse_scenario

    text, file = packaged.scenario_text(), packaged.scenario_display_path()
    baseline = best(lambda: bundle.scenario_info(parse_scenario(text, file)), 3)[0]

    tmp = Path(tempfile.mkdtemp(prefix="willing-bench-service-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp, port)
    try:
        _wait_ready(base, proc)
        for path in PATHS:  # the first read of each parses and fills the cache
            httpx.get(base + path, headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=60).raise_for_status()
        cpu0 = _cpu_seconds(proc.pid)
        latencies, wall = asyncio.run(_load(base, args.requests, args.concurrency))
        cpu = (_cpu_seconds(proc.pid) - cpu0) / len(latencies)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    q = statistics.quantiles(latencies, n=100)
    p50, p95 = statistics.median(latencies), q[94]
    print(f"{len(latencies)} reads at concurrency {args.concurrency} "
          f"({', '.join(PATHS)}), on {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"p50 {p50 * 1000:.1f} ms · p95 {p95 * 1000:.1f} ms · max {max(latencies) * 1000:.1f} ms"
          f" · {len(latencies) / wall:.0f} requests/s")
    print(f"server CPU per read {cpu * 1000:.1f} ms (2 cores: about {2 / cpu:.0f} reads/s at most)")
    print(f"baseline (uncached parse of the scenario and its pledges, best of 3): "
          f"{baseline * 1000:.1f} ms; p95 / baseline = {p95 / baseline:.2f}")


if __name__ == "__main__":
    main()
