"""Benchmark: a rebuild after changing one appeal, next to the full build of the same site.

    python benchmarks/rebuild.py [--count 10000] [--change N] [--jobs N] [--profile FILE]
                                 [--keep DIR]

The corpus is `benchmarks/build.py`'s generated appeals (seed format). Each build is the real
command, `publisher build CORPUS --out SITE`, in a fresh process, as a user runs it, one after
the other in the same run: first the full build (into a new folder, so it builds everything and
fills the build cache), then the same build again with nothing changed, then the rebuild after
one word of one appeal's body has changed (by default the newest appeal, which is in the site's,
its area's and its campaigns' feeds and at the top of the indexes: the most the site pages can
change for one appeal). CPU time is user + system of the command and every process it started;
wall time is from start to exit. The ratios are the rebuild's figure over the full build's; the
issue's target is a rebuild at most 2% of the full build's time.

``--profile FILE`` runs the one-change rebuild under cProfile (after the measured one, on a
second change) and prints the top of the profile; FILE keeps the raw profile.
"""

from __future__ import annotations

import argparse
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import seed_text  # the sibling benchmark's corpus

TARGET = 0.02


@dataclass(frozen=True)
class Run:
    cpu: float
    wall: float
    summary: str


def measure(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command``; its CPU time (with every child it waited for) and wall time."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    errors = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{errors[-3000:]}")
    lines = out.splitlines()
    return Run(
        cpu=usage.ru_utime + usage.ru_stime,
        wall=wall,
        summary=lines[1].strip() if len(lines) > 1 else "",
    )


def change_one(path: Path, attempt: int) -> None:
    """Change one word of the appeal's body (a different word each attempt)."""
    text = path.read_text(encoding="utf-8")
    old = "Officers were called at around"
    if old not in text:  # pragma: no cover - the corpus always has it
        raise SystemExit(f"{path} has no {old!r} to change")
    text = text.replace(old, f"Officers (change {attempt}) were called at around", 1)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--change", type=int, help="which appeal to change (default: the newest, the last)"
    )
    parser.add_argument("--jobs", type=int, help="publisher build --jobs (default: one per core)")
    parser.add_argument("--profile", type=Path, help="profile a one-change rebuild into FILE")
    parser.add_argument("--keep", type=Path, help="keep the corpus, output and cache here")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="publisher-rebuild-"))
    corpus, site, var = work / "corpus", work / "site", work / "var"
    for folder in (corpus, site, var):
        shutil.rmtree(folder, ignore_errors=True)
    corpus.mkdir(parents=True)
    rng = random.Random(args.seed)
    for i in range(args.count):
        (corpus / f"appeal-{i:05d}.txt").write_text(seed_text(i, rng), encoding="utf-8")
    changed = corpus / f"appeal-{(args.count - 1 if args.change is None else args.change):05d}.txt"
    print(f"corpus: {args.count} appeals in {corpus}; the one changed: {changed.name}")

    # Bytecode is written as a user's first run (or pip's install) writes it: with
    # PYTHONDONTWRITEBYTECODE set (as in some shells and containers) every rebuild would compile
    # the project's modules from source again, which no installed copy does. The full build,
    # measured first, writes it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PUBLISHER_", "SITE_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PUBLISHER_DATA_DIR"] = str(var)
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    command = [sys.executable, "-m", "publisher", "build", str(corpus), "--out", str(site), *jobs]

    full = measure(command, env)
    same = measure(command, env)
    time.sleep(0.05)  # the edit is not in the same clock tick as the build that read the file
    change_one(changed, 1)
    one = measure(command, env)

    print(f"{'':26} {'CPU s':>8} {'wall s':>8}  report")
    for name, run in (
        ("full build", full),
        ("rebuild, nothing changed", same),
        ("rebuild, one appeal", one),
    ):
        print(f"{name:26} {run.cpu:8.2f} {run.wall:8.2f}  {run.summary}")
    print(
        f"{'ratio (one / full)':26} {one.cpu / full.cpu:8.2%} {one.wall / full.wall:8.2%}"
        f"  (target: <= {TARGET:.0%} of the full build)"
    )

    if args.profile is not None:
        change_one(changed, 2)
        profiled = [
            sys.executable, "-m", "cProfile", "-o", str(args.profile), "-m", "publisher",
            *command[3:],
        ]  # fmt: skip
        subprocess.run(profiled, env=env, check=True, stdout=subprocess.DEVNULL)
        stats = pstats.Stats(str(args.profile))
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
