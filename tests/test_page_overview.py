"""The Overview page under AppTest, over data/ (the published case outcomes and the sample extracts).

Expected figures come from domain.md (published CPS conviction rates) or are worked out here with
pandas from the gzipped task CSVs, never from cjsperf's own queries.
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests.apptest_support import DATA
from tests.apptest_support import metric_values as tiles

PAGE = None  # the Overview is the default page
STATUS = re.compile(r'font-weight:700">(Green|Amber|Red|No target|No data)</span> (.+)$')


def half_up(num: int, den: int) -> str:
    return f"{(Decimal(100 * num) / Decimal(den)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    files = sorted((DATA / "tasks").glob("*.csv.gz"))
    assert files
    df = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files])
    for c in ("created_date", "due_date", "completed_date"):
        df[c] = pd.to_datetime(df[c].replace("", None))
    return df


def on_time(df: pd.DataFrame, month: str) -> str:
    """Of the tasks due in `month`, the share completed by their due date."""
    lo = pd.Timestamp(f"{month}-01")
    due = df[(df["due_date"] >= lo) & (df["due_date"] <= lo + pd.offsets.MonthEnd(0))]
    return half_up(int((due["completed_date"] <= due["due_date"]).sum()), len(due))


def overdue(df: pd.DataFrame, month: str) -> int:
    end = pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)
    is_open = (df["created_date"] <= end) & (
        df["completed_date"].isna() | (df["completed_date"] > end)
    )
    return int((is_open & (df["due_date"] < end)).sum())


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(**query_params) → a finished AppTest run of the page, opened as from a link."""
    return functools.partial(open_app, PAGE)


def statuses(at) -> list[tuple[str, str]]:
    return [m.groups() for md in at.markdown if (m := STATUS.search(md.value))]


def text(at) -> str:
    return "\n".join(e.value for e in (*at.markdown, *at.caption))


def headline_rate(file: str, forces: tuple[str, ...]) -> str:
    """CPS's headline conviction rate for some forces in one published file, worked out here with
    the csv module: convictions of the 12 categories ÷ (those convictions + their unsuccessful
    + administratively finalised), % half-up to one decimal."""
    import csv

    with open(DATA / "case_outcomes" / file, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    conv = uns = 0
    for row in rows[1:]:
        if row and row[0].strip() in forces:
            for name, cell in zip(header, row):
                if not name.startswith("Number of"):
                    continue
                n = int(cell.replace(",", "")) if cell.strip() not in ("", "-") else 0
                if name.endswith("Convictions"):
                    conv += n
                elif name.endswith("Unsuccessful"):
                    uns += n  # the 12 categories and "Admin Finalised Unsuccessful"
    rate = (Decimal(conv) * 100 / Decimal(conv + uns)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rate}%"


AREA_FORCES = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")


def test_default_overview(open_page, tasks):
    at = open_page()
    assert at.title[0].value == "Overview"
    t = tiles(at)
    assert len(t) == 8
    # Every tile says its status in words, with what the word means.
    found = statuses(at)
    assert len(found) == 8 and all(why for _, why in found)
    # Default period: the latest 12 months to Mar 2018, so each tile shows Mar 2018.
    # All crime shows CPS's headline rate (administratively finalised cases counted as
    # unsuccessful), as the Area's managers bring it: 83.9% for Mar 2018 (issue 7), not the
    # 86.4% of the 12 categories alone (domain.md).
    expected = headline_rate("2018/Principal_Offence_Category_Mar.csv", AREA_FORCES)
    assert expected == "83.9%"
    assert t["Conviction rate"] == expected
    assert "administratively finalised cases counted as unsuccessful" in text(at)
    assert t["Tasks completed on time"] == on_time(tasks, "2018-03")
    assert t["Overdue open tasks at month end"] == f"{overdue(tasks, '2018-03'):,} tasks"
    words = dict(zip(t, (w for w, _ in found)))
    # 83.9 is below the 85.0 target but within its tolerance of 2.0 points (measures.csv)
    assert words["Conviction rate"] == "Amber"
    # Sample data is marked on every tile but the real conviction rate.
    assert sum(":material/science: Sample data" in md.value for md in at.markdown) == 7
    body = text(at)
    assert "Open Government Licence v3.0" in body and "not official statistics" in body
    # Each tile links to its page.
    assert len(at.get("page_link")) == 8
    # The table behind the tiles, offered for download, has one row per tile.
    table = at.dataframe[0].value
    assert len(table) == 8
    assert list(table["status"]) == [w for w, _ in found]
    assert table.set_index("measure").loc["Tasks completed on time", "latest_month"] == "2018-03"


def test_crime_type_force_and_month(open_page, tasks):
    at = open_page(
        crime_type="Drugs Offences", geography="West Midlands", start="2017-11", end="2017-11"
    )
    t = tiles(at)
    assert len(t) == 8 and len(statuses(at)) == 8
    # Published: West Midlands force, Drugs Offences, Nov 2017 = 93.6% (domain.md).
    assert t["Drugs Offences conviction rate"] == "93.6%"
    drugs = tasks[tasks["offence_category"] == "Drugs Offences"]
    assert t["Tasks completed on time: Drugs Offences"] == on_time(drugs, "2017-11")
    assert on_time(drugs, "2017-11") != on_time(tasks, "2017-11")
    words = dict(zip(t, (w for w, _ in statuses(at))))
    assert words["Drugs Offences conviction rate"] == "No target"  # targets are for all crime
    body = text(at)
    assert "this data has no police force" in body
    assert "no drugs offences in this data" in body  # spend and sessions: all crime
