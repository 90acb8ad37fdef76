"""Benchmark: a full `publisher build` next to a full Pelican build of the same corpus.

    pip install -e '.[bench]'
    python benchmarks/against_pelican.py [--count 10000] [--jobs N] [--keep DIR]

The corpus is `benchmarks/build.py`'s generated appeals (seed format) for publisher, and the
same appeals as Markdown for Pelican (title, date, area as the category, hashtags as tags,
summary, and the body: paragraphs, quotes as block quotes, lists and contact lists as Markdown
lists, links as links), made from the records publisher reads, so both have the same words to
turn into pages. Pelican runs with its default theme, per-category RSS and Atom feeds and the
all-entries feeds on, no cache. publisher builds everything it builds: pages, area and site
indexes, overall, area and campaign feeds, plain text and X threads.

Each build runs as a command in a fresh process, as a user runs it, one after the other in the
same run, so the machine's load is shared alike: CPU time (user + system, of the command and
every process it started), wall time, and peak memory of the whole process tree, sampled
every 20 ms: the resident sets (RSS) summed, and beside it the proportional sets (PSS, from
/proc/PID/smaps_rollup) summed. A page that forked processes share is in the RSS of each, so
the RSS sum counts it once per process; the PSS sum counts it once, shared among them, which
is what the tree takes from the machine. For one process the two differ only by the pages it
shares with other programs (libraries). The ratios are publisher's figure over Pelican's; the
issue's targets are CPU ≤ 1, wall ≤ 0.5 and memory ≤ 1.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import seed_text  # the sibling benchmark's corpus

PELICAN_CONF = """\
AUTHOR = "Example Constabulary"
SITENAME = "Example Constabulary"
SITEURL = "https://www.example.police.uk"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/{slug}.rss.xml"
DEFAULT_PAGINATION = False
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""


@dataclass(frozen=True)
class Run:
    cpu: float
    wall: float
    peak_mib: float
    """The peak of the tree's RSS sum."""
    peak_pss_mib: float
    """The peak of the tree's PSS sum."""


def _tree_memory_kib(root: int) -> tuple[int, int]:
    """Resident (RSS) and proportional (PSS) memory of ``root`` and all its descendants,
    summed, in KiB (from /proc)."""
    rss = pss = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended between two reads
    return rss, pss


def measure(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command``; its CPU time (with every child it waited for), wall time, and the peaks
    of its tree's RSS and PSS sums."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory_kib(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{errors[-3000:]}")
    return Run(
        cpu=usage.ru_utime + usage.ru_stime,
        wall=wall,
        peak_mib=peak / 1024,
        peak_pss_mib=peak_pss / 1024,
    )


def markdown_for(path: Path) -> str:
    """The appeal in ``path`` as a Pelican Markdown article with the same words."""
    from publisher.domain.record import BulletList, ContactList, Heading, Paragraph, Quote, Span
    from publisher.importers import load_appeal

    appeal = load_appeal(path).appeal

    def inline(spans: tuple[Span, ...]) -> str:
        return "".join(f"[{s.text}]({s.link})" if s.link else s.text for s in spans)

    lines = [
        f"Title: {appeal.title}",
        f"Date: {appeal.local_published:%Y-%m-%d %H:%M}",
        f"Category: {appeal.area}",
        f"Tags: {', '.join(appeal.hashtags)}",
        f"Slug: {appeal.id}",
        f"Summary: {appeal.summary}",
        "",
    ]
    for block in appeal.body:
        if isinstance(block, Paragraph):
            lines += [inline(block.spans), ""]
        elif isinstance(block, Heading):
            lines += [f"## {block.text}", ""]
        elif isinstance(block, Quote):
            lines += [f"{block.speaker}, {block.role or ''}, {block.verb}:", ""]
            for paragraph in block.paragraphs:
                lines += [f"> {inline(paragraph.spans)}", ">"]
            lines.append("")
        elif isinstance(block, BulletList | ContactList):
            if block.intro is not None:
                lines += [inline(block.intro.spans), ""]
            if isinstance(block, BulletList):
                lines += [f"- {inline(item.spans)}" for item in block.items]
            else:
                lines += [
                    f"- {c.name}: [{c.display}]({c.tel_uri or c.value})" for c in block.contacts
                ]
            lines.append("")
        else:  # a call to action
            lines += [f"**{inline(block.spans)}**", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--jobs", type=int, help="publisher build --jobs (default: one per core)")
    parser.add_argument("--keep", type=Path, help="keep the corpora and outputs in this folder")
    args = parser.parse_args(argv)
    if shutil.which("pelican", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("Pelican is not installed here: pip install -e '.[bench]'")

    work = args.keep or Path(tempfile.mkdtemp(prefix="publisher-vs-pelican-"))
    seeds, content = work / "seeds", work / "content"
    for folder in (seeds, content, work / "publisher-out", work / "pelican-out"):
        shutil.rmtree(folder, ignore_errors=True)
    seeds.mkdir(parents=True)
    content.mkdir(parents=True)
    rng = random.Random(args.seed)
    for i in range(args.count):
        (seeds / f"appeal-{i:05d}.txt").write_text(seed_text(i, rng), encoding="utf-8")
    for path in sorted(seeds.iterdir()):
        (content / f"{path.stem}.md").write_text(markdown_for(path), encoding="utf-8")
    (work / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")
    print(f"corpus: {args.count} appeals, seed format and Markdown, in {work}")

    bin_dir = Path(sys.executable).parent
    # Both write bytecode as an installed copy has it (Pelican's came with pip's install):
    # PYTHONDONTWRITEBYTECODE, set in some shells and containers, is left out.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PUBLISHER_DATA_DIR"] = str(work / "var")
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    pelican = measure(
        [str(bin_dir / "pelican"), str(content), "-o", str(work / "pelican-out"), "-s",
         str(work / "pelicanconf.py"), "-q"],
        env,
    )  # fmt: skip
    ours = measure(
        [str(bin_dir / "publisher"), "build", str(seeds), "--out", str(work / "publisher-out"),
         *jobs],
        env,
    )  # fmt: skip

    print(f"{'':10} {'CPU s':>8} {'wall s':>8} {'peak MiB':>9} {'PSS MiB':>8}")
    for name, run in (("Pelican", pelican), ("publisher", ours)):
        print(
            f"{name:10} {run.cpu:8.1f} {run.wall:8.1f} {run.peak_mib:9.0f} {run.peak_pss_mib:8.0f}"
        )
    print(
        f"ratio      {ours.cpu / pelican.cpu:8.2f} {ours.wall / pelican.wall:8.2f} "
        f"{ours.peak_mib / pelican.peak_mib:9.2f} {ours.peak_pss_mib / pelican.peak_pss_mib:8.2f}"
        "   (targets: CPU <= 1, wall <= 0.5, memory <= 1)"
    )
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
