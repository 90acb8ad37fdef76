"""The dispatcher's messages: one delivery each in a usual tick, a few each in a burst."""

from __future__ import annotations

import pytest

from publisher.services.scheduling import BATCH_MOST, BATCH_SPREAD, batches


@pytest.mark.parametrize("count", [0, 1, 2, BATCH_SPREAD])
def test_a_usual_tick_sends_each_delivery_alone(count: int) -> None:
    assert batches(list(range(count))) == [[i] for i in range(count)]


@pytest.mark.parametrize("count", [BATCH_SPREAD + 1, 100, 499, 500, 5000])
def test_a_burst_is_spread_over_few_messages_of_at_most_the_most(count: int) -> None:
    claimed = list(range(1000, 1000 + count))
    messages = batches(claimed)
    assert [d for batch in messages for d in batch] == claimed  # each once, in order
    assert 1 < max(map(len, messages)) <= BATCH_MOST
    assert len(messages) <= max(BATCH_SPREAD, -(-count // BATCH_MOST))
