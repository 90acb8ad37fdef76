"""Benchmark: build a generated corpus of appeals (default 10,000) and print appeals per second.

    python benchmarks/build.py [--count 10000] [--keep DIR]

The corpus is written in the seed format (a YAML block, a UK local time line, then a body with
quotes, helpline lines, bullets, hashtags, web addresses and phone numbers in sentences), with
varied areas, kinds and lengths, so every importer rule and every channel does real work. The
figure covers the whole `publisher build`: import and validate every file, render web pages,
indexes, feeds, plain text and X threads, and write the output.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

AREAS = ["Derbyshire", "Amber Valley", "Bolsover", "Chesterfield", "Derby", "Erewash", "High Peak"]
RANKS = ["DCI", "PC", "DC", "Sgt", "Insp", "T/Ch. Insp.", "Det Supt", "PCSO"]
NAMES = ["Sam Carter", "Priya Shah", "Tom Reed", "Aisha Khan", "Gareth Lloyd", "Mei Chen"]
HELPLINES = [
    ("National Domestic Abuse Helpline", "0808 200 0247"),
    ("Men's Advice Line", "0808 801 0327"),
    ("Childline", "0800 1111"),
    ("Samaritans", "116 123"),
    ("Missing People", "116 000"),
    ("Crimestoppers", "0800 555 111"),
    ("Victim Support", "0808 168 9111"),
]
TOPICS = [
    "a burglary in {area}",
    "a collision on the A6 near {area}",
    "a missing man from {area}",
    "scams targeting older people in {area}",
    "domestic abuse support in {area}",
]


def seed_text(index: int, rng: random.Random) -> str:
    area = rng.choice(AREAS)
    topic = rng.choice(TOPICS).format(area=area)
    title = f"Appeal {index}: information sought about {topic}"
    slug = f"appeal-{index}"
    when = datetime(2020, 1, 1, 9, 0) + timedelta(hours=7 * index)
    if when.month in (3, 10) and when.day >= 24 and when.hour in (0, 1, 2):
        when += timedelta(hours=3)  # keep clear of clock-change hours
    rank, name = rng.choice(RANKS), rng.choice(NAMES)
    lines = [
        "```yaml",
        f"area: {area}",
        "og:",
        f"  description: We are asking for help with {topic}.",
        f"  title: '{title}'",
        f"  url: https://www.example.police.uk/news/{when:%Y/%B}/{slug}/".lower(),
        f"title: '{title} | Example Constabulary'",
        f"url: https://www.example.police.uk/news/{when:%Y/%B}/{slug}/".lower(),
        "```",
        "",
        when.strftime("%H:%M %d/%m/%Y"),
        "",
        f"We are asking for help with {topic}.",
        "",
    ]
    for _ in range(rng.randint(1, 4)):
        lines += [
            "Officers were called at around 10pm and want to hear from anyone who saw what "
            "happened or who has doorbell or dashcam footage.",
            "",
        ]
    lines += [
        f'{rank} {name}, from the local policing team, said: "We know people in {area} will '
        "want to help.",
        "",
        '"If you saw anything, please call us on 101 or, in an emergency, 999."',
        "",
        "You can contact us in these ways:",
        "",
        " * Call 101 quoting the incident number.",
        " * Use our textphone service on 18001 101.",
        " * Visit www.example.police.uk/report to report online.",
        "",
        "These services can also help:",
        "",
    ]
    for name_, number in rng.sample(HELPLINES, rng.randint(1, 4)):
        lines += [f"{name_} - {number}", ""]
    lines += ["#HelpUsFindThem #KeepSafe", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", type=Path, help="keep the corpus and output in this folder")
    args = parser.parse_args(argv)

    from publisher.bootstrap import build_registry
    from publisher.services.build import build_site
    from publisher.settings import Settings

    work = args.keep or Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for i in range(args.count):
        (corpus / f"appeal-{i:05d}.txt").write_text(seed_text(i, rng), encoding="utf-8")

    registry = build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": str(work / "var")}))
    started = time.perf_counter()
    report = build_site([corpus], work / "site", registry)
    elapsed = time.perf_counter() - started
    rate = len(report.appeals) / elapsed
    print(
        f"built {len(report.appeals)} appeals ({report.files} files) in {elapsed:.1f} s: "
        f"{rate:.0f} appeals/s"
    )
    if not args.keep:
        import shutil

        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
