"""The plain text channel in Welsh: ranks spelt out, dates and labels in Welsh."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from channels.text import welsh_ranks, welsh_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("written", "spelt"),
    [
        ("DS Gareth Jones", "Ditectif Ringyll Gareth Jones"),
        ("DC Siân Evans", "Ditectif Gwnstabl Siân Evans"),
        ("PC Huw Roberts", "Cwnstabl Huw Roberts"),
        ("Insp. Mared Owen", "Arolygydd Mared Owen"),
        ("DCI Rhys Price", "Ditectif Brif Arolygydd Rhys Price"),
        ("Sgt Elin Hughes", "Rhingyll Elin Hughes"),
        ("DI Mair Lewis", "Ditectif Arolygydd Mair Lewis"),
        ("CI Dafydd Rees", "Prif Arolygydd Dafydd Rees"),
        ("Ch Insp Dafydd Rees", "Prif Arolygydd Dafydd Rees"),
        ("Supt Alun Jenkins", "Uwch-arolygydd Alun Jenkins"),
        ("Ch Supt Alun Jenkins", "Prif Uwch-arolygydd Alun Jenkins"),
        ("DCS Nia Morgan", "Ditectif Brif Uwch-arolygydd Nia Morgan"),
    ],
)
def test_ranks_before_a_name_are_spelt_out_in_welsh(written: str, spelt: str) -> None:
    assert welsh_ranks(written) == spelt


def test_letters_that_are_not_a_rank_before_a_name_are_left_alone() -> None:
    assert welsh_ranks("Ffoniwch y DC ar 101") == "Ffoniwch y DC ar 101"
    assert welsh_ranks("PCS Gwynedd") == "PCS Gwynedd"


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (datetime(2020, 4, 2, 13, 53, tzinfo=LONDON), "2 Ebrill 2020 am 1:53pm"),
        (datetime(2025, 3, 9, 12, 0, tzinfo=LONDON), "9 Mawrth 2025 am hanner dydd"),
        (datetime(2025, 12, 1, 0, 0, tzinfo=LONDON), "1 Rhagfyr 2025 am hanner nos"),
        (datetime(2025, 7, 8, 9, 0, tzinfo=LONDON), "8 Gorffennaf 2025 am 9am"),
    ],
)
def test_dates_are_in_welsh(moment: datetime, said: str) -> None:
    assert welsh_time(moment) == said
