"""Create-case throughput of two or more versions of Tierline, interleaved, next to the bare
INSERT+COMMIT endpoint.

The machine this runs on is shared and its speed drifts by a third within minutes, so a rate
measured now and another measured later compare the hour as much as the code. Here every
version (a ``src`` folder: a worktree of another commit) and the bare endpoint serve at once,
each under 2 uvicorn workers on its own database, and a closed loop of 16 connections visits
them in turn for a few seconds each, round after round. The medians over the rounds compare.

    git worktree add /tmp/prev HEAD~1
    .venv/bin/python bench/ab_create_case.py prev=/tmp/prev/src new=src [--backend sqlite]
                                             [--seconds 3] [--rounds 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from api_create_case import PG, bare_body, body_maker, forget, free_port, serve
from loadgen import closed_loop
from machine import print_facts

BENCH = Path(__file__).parent.resolve()


def _prepare(name: str, src: str, backend: str, workdir: Path) -> tuple[str, str]:
    """A fresh database initialised by this version's own code: (url, an agent's token)."""
    code = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); import api_create_case as b; "
        f"b.SCHEMA = 'ab_{name}'; from pathlib import Path; "
        f"url, token = b.prepare({backend!r}, Path({str(workdir)!r})); print(url); print(token)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    url, token = out.stdout.split()[-2:]
    return url, token


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("variants", nargs="+", help="name=path/to/src")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    print_facts()
    procs: list[subprocess.Popen[bytes]] = []
    targets = []
    stored: list[tuple[Path, str]] = []  # each database's folder and schema
    try:
        for variant in args.variants:
            name, _, src = variant.partition("=")
            workdir = Path(tempfile.mkdtemp(prefix=f"tl-ab-{name}-"))
            stored.append((workdir, f"ab_{name}"))
            url, token = _prepare(name, src, args.backend, workdir)
            pythonpath = f"{Path(src).resolve()}:{BENCH}"
            port = free_port()
            procs.append(serve("tierline.api.asgi:create", url, port, workdir, pythonpath))
            auth = {"Authorization": f"Bearer {token}"}
            targets.append((name, f"http://127.0.0.1:{port}/api/cases", auth, body_maker(name)))
        workdir = Path(tempfile.mkdtemp(prefix="tl-ab-bare-"))
        stored.append((workdir, "ab_bare"))
        if args.backend == "sqlite":
            bare_url = f"sqlite:///{workdir / 'bare.db'}"
        else:
            _prepare("bare", str(BENCH.parent / "src"), "postgres", workdir)  # its schema
            bare_url = f"{PG}?options=-csearch_path%3Dab_bare"
        port = free_port()
        procs.append(serve("bare_app:create", bare_url, port, workdir, str(BENCH)))
        targets.append(("bare", f"http://127.0.0.1:{port}/bare", {}, bare_body))
        for _, url, headers, make in targets:
            closed_loop(url, make, headers, 4, 2)  # warm-up
        rates: dict[str, list[float]] = {name: [] for name, *_ in targets}
        for r in range(args.rounds):
            for name, url, headers, make in targets:
                rates[name].append(closed_loop(url, make, headers, 16, args.seconds).rate)
            print(f"round {r}: " + "  ".join(f"{n} {v[-1]:.0f}" for n, v in rates.items()))
        print(f"\n{args.backend}: closed loop, 16 connections, {args.seconds:.0f} s per turn")
        for name, values in rates.items():
            ratios = [v / b for v, b in zip(values, rates["bare"], strict=True) if b]
            print(
                f"  {name:<10} median {statistics.median(values):7.1f} req/s   "
                f"/ bare: median {statistics.median(ratios):.0%}"
            )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        for workdir, schema in stored:
            forget(args.backend, workdir, schema)


if __name__ == "__main__":
    main()
