"""Benchmark of ``crisis-screen serve``: requests per second over loopback against in-process.

Starts ``crisis-screen serve --workers W`` on 127.0.0.1 (a free port), then, in one run on the
same generated resumes (``corpus.generate_corpus``), alternates A B A B...:

- A: ``list(screener.screen_many(texts))`` in this process (one core);
- B: N requests ``POST /v1/screen`` with JSON ``{"text": ..., "source": ...}`` from C
  concurrent clients, each on its own keep-alive connection.

and reports the medians: requests per second, p50/p99 latency, the ratio of each B pass's
rate to the A pass before it (the machine's load drifts between rounds), errors (non-200 answers,
broken connections, and records whose score differs from the in-process one), the service
rate over the in-process rate, and the RSS of the server's process tree (server, fork
server, workers) after start-up and a warm-up, and after the last pass.

The clients are a minimal HTTP/1.1 client on asyncio streams (keep-alive, Content-Length
bodies): on a 2-core machine the clients share the cores with the server, and a heavier client
would measure itself. Traffic goes to 127.0.0.1 only, the request count is bounded, and the
server is stopped (SIGTERM, drained) at the end.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_service.py                  # n=2000, 2 workers
    PYTHONPATH=src python benchmarks/bench_service.py --n 4000 --rounds 3 --json out.json
    PYTHONPATH=src python benchmarks/bench_service.py --batch 10     # POST /v1/screen/batch

With ``--batch K`` each request carries K resumes to ``/v1/screen/batch`` and rates are resumes
per second: a sizing figure for bulk callers; the target is read on single requests.

Targets (printed PASS/FAIL; the script exits 0 when it ran): with ``--workers 2`` the median
of the rounds' service / in-process ratios is at least 0.5, no errors, and the tree RSS grows
less than 25% over the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate_corpus  # noqa: E402

TARGET_RATIO = 0.5
TARGET_RSS_GROWTH = 0.25


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree_rss_kib(pid: int) -> int:
    """Sum of VmRSS over a process and its descendants (Linux /proc)."""
    total = 0
    for p in _tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Child processes of every thread of ``pid`` (a thread may start processes too)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return found


def _tree_pids(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        stack.extend(_children(p))
    return pids


def cpu_split(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the server's main process, its other processes, this process."""
    others = sum(_cpu_s(p) for p in _tree_pids(server_pid) if p != server_pid)
    own = os.times()
    return {"server": _cpu_s(server_pid), "workers": others, "client": own.user + own.system}


# -- a minimal keep-alive HTTP/1.1 client ------------------------------------------------------


class Connection:
    """One keep-alive connection sending POSTs with a JSON body."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        close = False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _clients(
    port: int, bodies: list[bytes], clients: int, path: str = "/v1/screen"
) -> tuple[float, list[float], list[tuple[int, bytes] | None]]:
    """Send every body once from ``clients`` connections; wall time, latencies, answers."""
    answers: list[tuple[int, bytes] | None] = [None] * len(bodies)
    latencies: list[float] = []
    next_index = 0

    async def client() -> None:
        nonlocal next_index
        conn = Connection("127.0.0.1", port)
        try:
            while next_index < len(bodies):
                i = next_index
                next_index += 1
                t0 = time.perf_counter()
                try:
                    answers[i] = await conn.post(path, bodies[i])
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    conn.close()
                    continue
                latencies.append(time.perf_counter() - t0)
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - start, latencies, answers


def _run(coro: Any) -> Any:
    """Run the clients on uvloop when it is installed (it comes with the server extra): the
    clients share the machine with the server, and the lighter they are the less they measure
    themselves."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def service_pass(
    port: int, texts: list[str], clients: int, expected: list[float], batch: int = 0
) -> dict[str, Any]:
    """One B pass: every text once, one request each, or ``batch`` texts per batch request."""
    items = [{"text": text, "source": f"cv-{i:05d}"} for i, text in enumerate(texts)]
    if batch:
        groups = [items[i : i + batch] for i in range(0, len(items), batch)]
        bodies = [json.dumps({"items": g}).encode("utf-8") for g in groups]
        path, sizes = "/v1/screen/batch", [len(g) for g in groups]
    else:
        bodies = [json.dumps(item).encode("utf-8") for item in items]
        path, sizes = "/v1/screen", [1] * len(items)
    wall, latencies, answers = _run(_clients(port, bodies, clients, path))
    failed = sum(1 for a in answers if a is None or a[0] != 200)
    scores: list[float | None] = []
    for answer, size in zip(answers, sizes, strict=True):
        if answer is None or answer[0] != 200:
            scores.extend([None] * size)
        elif batch:
            scores.extend(r.get("score") for r in json.loads(answer[1])["records"])
        else:
            scores.append(json.loads(answer[1])["score"])
    mismatched = sum(
        1 for got, want in zip(scores, expected, strict=True) if got is not None and got != want
    )
    ordered = sorted(latencies)
    return {
        "requests": len(bodies),
        "resumes": len(texts),
        "wall_s": round(wall, 3),
        "rate_per_s": round(len(texts) / wall, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2)
        if ordered
        else None,
        "errors": failed + mismatched,
        "failed": failed,
        "mismatched": mismatched,
    }


def inprocess_pass(screener: Any, texts: list[str]) -> tuple[dict[str, Any], list[float]]:
    sources = [(f"cv-{i:05d}", text) for i, text in enumerate(texts)]
    start = time.perf_counter()
    results = list(screener.screen_many(sources))
    wall = time.perf_counter() - start
    return {"wall_s": round(wall, 3), "rate_per_s": round(len(texts) / wall, 1)}, [
        r.score for r in results
    ]


def start_server(port: int, workers: int, queue: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "crisis_screen", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers), "--queue", str(queue)]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not become ready in 120 s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="requests (and resumes) per pass")
    ap.add_argument("--rounds", type=int, default=3, help="A B rounds (medians reported)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument(
        "--batch",
        type=int,
        default=0,
        help="send BATCH resumes per POST /v1/screen/batch instead of one per POST /v1/screen"
        " (sizing figures; the target is read on single requests)",
    )
    ap.add_argument("--warmup", type=int, default=200, help="requests before the first RSS")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="OUT", help="write the figures as JSON to OUT")
    args = ap.parse_args(argv)

    from crisis_screen import Screener

    texts = generate_corpus(args.n, seed=args.seed)
    warm = generate_corpus(args.warmup, seed=args.seed + 1)
    screener = Screener.default()
    inprocess_pass(screener, warm)  # the in-process screener gets its warm-up too

    port = _free_port()
    # The queue holds every client's request: the benchmark measures speed, not refusals.
    server = start_server(port, args.workers, queue=args.clients * 2)
    try:
        service_pass(port, warm, args.clients, inprocess_pass(screener, warm)[1], args.batch)
        rss_before = _tree_rss_kib(server.pid)
        a_runs: list[dict[str, Any]] = []
        b_runs: list[dict[str, Any]] = []
        for _ in range(args.rounds):
            t0 = os.times()
            a, expected = inprocess_pass(screener, texts)
            a["cpu_ms_per_resume"] = round(
                (os.times().user + os.times().system - t0.user - t0.system) * 1000 / args.n, 3
            )
            a_runs.append(a)
            before = cpu_split(server.pid)
            b = service_pass(port, texts, args.clients, expected, args.batch)
            after = cpu_split(server.pid)
            b["cpu_ms_per_resume"] = {
                k: round((after[k] - before[k]) * 1000 / args.n, 3) for k in after
            }
            b_runs.append(b)
        rss_after = _tree_rss_kib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()

    a_rate = statistics.median(r["rate_per_s"] for r in a_runs)
    b_rate = statistics.median(r["rate_per_s"] for r in b_runs)
    # Each B pass is compared with the A pass just before it (the machine's load drifts
    # between rounds), and the median of those ratios is the figure the target is read on.
    ratios = [b["rate_per_s"] / a["rate_per_s"] for a, b in zip(a_runs, b_runs, strict=True)]
    errors = sum(r["errors"] for r in b_runs)
    growth = (rss_after - rss_before) / rss_before if rss_before else 0.0
    report = {
        "n": args.n,
        "rounds": args.rounds,
        "workers": args.workers,
        "clients": args.clients,
        "batch": args.batch,
        "cpu_count": os.cpu_count(),
        "inprocess": a_runs,
        "service": b_runs,
        "inprocess_rate_median": a_rate,
        "service_rate_median": b_rate,
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "ratio_of_medians": round(b_rate / a_rate, 3),
        "p50_ms_median": round(statistics.median(r["p50_ms"] for r in b_runs), 2),
        "p99_ms_median": round(statistics.median(r["p99_ms"] for r in b_runs), 2),
        "errors": errors,
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_after_mib": round(rss_after / 1024, 1),
        "rss_growth": round(growth, 4),
        "server_exit": server.returncode,
    }
    ratio_ok = report["ratio"] >= TARGET_RATIO and not args.batch
    print(f"in-process screen_many   {a_rate:>8,.0f} resumes/s (median of {args.rounds})")
    unit = f"resumes/s in batches of {args.batch}" if args.batch else "requests/s"
    print(
        f"service, {args.workers} workers, {args.clients} clients {b_rate:>8,.0f} {unit}  "
        f"p50 {report['p50_ms_median']} ms  p99 {report['p99_ms_median']} ms"
    )
    verdict = "PASS" if ratio_ok else ("n/a (batch requests)" if args.batch else "FAIL")
    ratio = report["ratio"]
    print(
        f"ratio service / in-process {ratio:.2f}x, median of the rounds' "
        f"{', '.join(f'{r:.2f}' for r in ratios)} (target >= {TARGET_RATIO}) {verdict}"
    )
    print(f"errors                   {errors}  (target 0) {'PASS' if errors == 0 else 'FAIL'}")
    print(
        f"server tree RSS          {report['rss_before_mib']} -> {report['rss_after_mib']} MiB "
        f"({growth:+.1%}; target < {TARGET_RSS_GROWTH:.0%}) "
        f"{'PASS' if growth < TARGET_RSS_GROWTH else 'FAIL'}"
    )
    cpu = b_runs[-1]["cpu_ms_per_resume"]
    print(
        f"CPU per resume (last pass): server {cpu['server']} ms, workers {cpu['workers']} ms, "
        f"client {cpu['client']} ms; in-process {a_runs[-1]['cpu_ms_per_resume']} ms per resume"
    )
    print(f"server exit status after SIGTERM: {server.returncode}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
