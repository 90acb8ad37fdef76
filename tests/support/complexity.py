"""Whether a piece of work grows linearly with its input, told without a clock limit.

A test that says "this takes under 3 seconds" fails on a loaded machine and proves nothing on
a fast one. What a test can say is how the cost grows: the same work on an input four times
the size costs about four times as much when it is linear, sixteen times when it is
quadratic. Both are measured in the same test, in CPU time, the fastest of a few runs each, so
the machine's load slows both alike; speed itself is the benchmarks' business.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["assert_linear", "growth"]


def _cost(work: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def growth(small: Callable[[], object], large: Callable[[], object], *, runs: int = 3) -> float:
    """How many times ``large`` costs what ``small`` does (CPU time, fastest of ``runs``)."""
    small()  # warm caches and lazy imports: the first call is not what is compared
    return _cost(large, runs) / max(_cost(small, runs), 1e-4)


def assert_linear(
    small: Callable[[], object], large: Callable[[], object], *, factor: int, what: str
) -> None:
    """``large`` is ``small``'s work on an input ``factor`` times its size: it must cost less
    than ``factor`` squared over two times as much (linear work costs about ``factor`` times;
    quadratic, ``factor`` squared)."""
    ratio = growth(small, large)
    bound = factor * factor / 2
    assert ratio < bound, f"{what}: {factor}x the input cost {ratio:.1f}x (linear is {factor}x)"
