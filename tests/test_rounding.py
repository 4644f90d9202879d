"""Half-up rounding in decimal arithmetic, as CPS publishes, for every figure shown or downloaded.

Each expected figure is worked out by hand: a half (0.575, 1.155, 94.85, 2.5) rounds up, where
binary floating point (1.15 ÷ 2 = 0.57499999…) or round-half-to-even (2.5 → 2) would round down.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cjsperf.db import Warehouse
from cjsperf.headlines import change, fmt_value, half_up, rag_status

DATA = Path(__file__).resolve().parent.parent / "data"


# ----------------------------------------------------------------------------- Python
@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.125, 2, "0.13"),  # exactly representable: half-to-even would give 0.12
        (1.155, 2, "1.16"),  # binary 1.15499999…: float rounding gives 1.15
        (2.5, 0, "3"),
        (3.5, 0, "4"),
        (94.85, 1, "94.9"),
        (21.25, 1, "21.3"),
        (-2.5, 0, "-3"),  # halves round away from zero
        (7, 1, "7.0"),
    ],
)
def test_half_up_rounds_the_decimal_written(value, places, expected):
    assert str(half_up(value, places)) == expected
    assert half_up(value, places) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (2.5, "", "3"),
        (0.5, "", "1"),
        (94.85, "%", "94.9%"),
        (83.95, "%", "84.0%"),
        (1234.5, "£", "£1,235"),
        (1234.49, "£", "£1,234"),
        (2_500.5, "tasks", "2,501 tasks"),
        (None, "%", "no data"),
        (float("nan"), "£", "no data"),
    ],
)
def test_fmt_value_rounds_half_up(value, unit, expected):
    assert fmt_value(value, unit) == expected


def test_changes_round_half_up_in_decimal():
    # (100.25 - 100) / 100 = 0.25% exactly: half-up gives +0.3%, half-to-even +0.2%.
    assert change(100.25, 100, "£") == "+0.3%"
    # 86.4 - 86.35 = 0.05 points (in floats 0.04999…): +0.1.
    assert change(86.4, 86.35, "%") == "+0.1 points"
    assert change(86.35, 86.4, "%") == "-0.1 points"
    assert rag_status(83.0, 85.0, 2.25, "higher", "%").explanation.startswith("within 2.3 points")


# ----------------------------------------------------------------------------- SQL
SPEND_HEADER = "payment_id,payment_date,court_centre,force_area,spend_type,offence_category,sessions,amount_gbp"
BHAM_MC, BHAM_CC = "Birmingham Magistrates' Court", "Birmingham Crown Court"
SPEND_ROWS = [
    ("P1", "2018-01-05", BHAM_MC, "West Midlands", "Agent session fee", "", 2, "1.15"),
    ("P2", "2018-01-15", BHAM_CC, "West Midlands", "External counsel fee", "Burglary", 0, "0.50"),
    ("P3", "2018-01-16", BHAM_CC, "West Midlands", "External counsel fee", "Burglary", 0, "0.65"),
    ("P4", "2018-02-05", BHAM_MC, "West Midlands", "Agent session fee", "", 1, "0.01"),
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("rounding")
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    (root / "agent_spend").mkdir()
    lines = [SPEND_HEADER] + [",".join(f'"{v}"' for v in r) for r in SPEND_ROWS]
    (root / "agent_spend" / "agent_spend_test.csv").write_text("\n".join(lines) + "\n")
    w = Warehouse(root, db_path=None)
    w.sync()
    assert w.sql("SELECT count(*) AS n FROM stg_agent_spend")["n"][0] == len(SPEND_ROWS)
    yield w
    w.close()


JAN = {"area": "CPS West Midlands", "start": "2018-01", "end": "2018-01"}


def test_cost_per_agent_session_rounds_half_up(wh):
    # P1: £1.15 for 2 sessions = £0.575 → £0.58.
    jan = wh.run_query("agent_spend_by_month", **JAN).set_index("month").loc["2018-01"]
    assert jan["cost_per_agent_session"] == 0.58
    assert wh.run_query("agent_spend_summary", **JAN)["cost_per_agent_session"][0] == 0.58
    by_court = wh.run_query("agent_spend_by_court", **JAN)
    agent = by_court[by_court["spend_type"] == "Agent session fee"]
    assert agent["cost_per_session"].tolist() == [0.58]


def test_average_counsel_fee_rounds_half_up(wh):
    # P2 + P3: £0.50 + £0.65 = £1.15 over 2 payments = £0.575 → £0.58.
    fees = wh.run_query("agent_counsel_fees_by_category", **JAN)
    assert fees.set_index("offence_category").loc["Burglary", "average_fee"] == 0.58


def test_average_monthly_spend_rounds_half_up(wh):
    # January £1.15 + £0.50 + £0.65 = £2.30, February £0.01: £2.31 over 2 months = £1.155 → £1.16.
    both = wh.run_query(
        "agent_spend_summary", area="CPS West Midlands", start="2018-01", end="2018-02"
    )
    assert both["months"][0] == 2
    assert both["avg_monthly_spend"][0] == 1.16
