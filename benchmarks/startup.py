"""Benchmark: how long `publisher inspect FILE` takes, start to finish, next to a bare Python.

    python benchmarks/startup.py [--runs 15] [FILE]

Each run is a fresh process, as a user's shell starts it: the console script, reading and
validating one appeal (default: the first seed under tests/fixtures/seeds), printing the record.
The baseline, measured in the same run and interleaved with it, is `python -c pass` with the
same interpreter (what no command can go below). Prints the median and the slowest wall time of
each, their ratio and the difference. The issue's target: publisher's median at most 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SEED = sorted((Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds").glob("*.txt"))


def _wall(
    command: list[str], cpu: list[float] | None = None, env: dict[str, str] | None = None
) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("file", nargs="?", type=Path, default=SEED[0] if SEED else None)
    args = parser.parse_args(argv)
    if args.file is None:
        raise SystemExit("give an appeal file")
    publisher = [str(Path(sys.executable).parent / "publisher"), "inspect", str(args.file)]
    bare = [sys.executable, "-c", "pass"]
    # Warm the file cache and the bytecode once, as a user's first run (or pip's install) does:
    # with PYTHONDONTWRITEBYTECODE set (as in some shells and containers) every run would
    # compile the project's modules from source again, which no installed copy does.
    writes_bytecode = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _wall(publisher, env=writes_bytecode)
    _wall(bare, env=writes_bytecode)
    ours: list[float] = []
    base: list[float] = []
    ours_cpu: list[float] = []
    base_cpu: list[float] = []
    for _ in range(args.runs):
        ours.append(_wall(publisher, ours_cpu))
        base.append(_wall(bare, base_cpu))
    median, baseline = statistics.median(ours), statistics.median(base)
    print(
        f"publisher inspect: median {median:.3f} s wall, {statistics.median(ours_cpu):.3f} s CPU;"
        f" slowest {max(ours):.3f} s ({args.runs} runs)"
    )
    print(
        f"python -c pass:    median {baseline:.3f} s wall, {statistics.median(base_cpu):.3f} s CPU;"
        f" slowest {max(base):.3f} s"
    )
    print(
        f"ratio to python -c pass: {median / baseline:.1f}x wall,"
        f" {statistics.median(ours_cpu) / statistics.median(base_cpu):.1f}x CPU"
    )
    print("(CPU time, user + system, shows what wall time hides on a busy machine)")
    print(
        f"publisher's own share: {median - baseline:.3f} s; "
        f"target: median <= 0.5 s ({'met' if median <= 0.5 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
