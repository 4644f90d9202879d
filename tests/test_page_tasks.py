"""The Task completion page under AppTest, over the sample extracts in data/.

Expected figures are worked out here with pandas from the gzipped task CSVs themselves (not from
cjsperf's queries): on time = completed on or before the due date, of the tasks due in the month;
open at a month end E = created by E and not completed by E; overdue = open with a due date before E.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests import xmr_reference
from tests.apptest_support import DATA, captions, title_words, values
from tests.apptest_support import chart_specs as charts
from tests.apptest_support import metric_values as metrics
from tests.test_trends import months

PAGE = "pages/task_completion.py"


def half_up(num: int, den: int) -> str:
    return f"{(Decimal(100 * num) / Decimal(den)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    files = sorted((DATA / "tasks").glob("*.csv.gz"))
    assert files, "the sample task extracts are missing from data/tasks"
    df = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files])
    for c in ("created_date", "due_date", "completed_date"):
        df[c] = pd.to_datetime(df[c].replace("", None))
    return df


def on_time(df: pd.DataFrame, first: str, last: str, category: str | None = None) -> str:
    """On-time % of the tasks due from the start of month `first` to the end of month `last`.
    The sample is extracted on 31 March 2018: every task due by then is judged."""
    if category:
        df = df[df["offence_category"] == category]
    lo, hi = pd.Timestamp(f"{first}-01"), pd.Timestamp(f"{last}-01") + pd.offsets.MonthEnd(0)
    due = df[(df["due_date"] >= lo) & (df["due_date"] <= hi)]
    assert (due["due_date"] <= pd.Timestamp("2018-03-31")).all()
    return half_up(int((due["completed_date"] <= due["due_date"]).sum()), len(due))


def backlog(df: pd.DataFrame, month: str) -> tuple[int, int]:
    """(open, overdue) at the end of `month`."""
    end = pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)
    is_open = (df["created_date"] <= end) & (
        df["completed_date"].isna() | (df["completed_date"] > end)
    )
    return int(is_open.sum()), int((is_open & (df["due_date"] < end)).sum())


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(**query_params) → a finished AppTest run of the page, opened as from a link."""
    return functools.partial(open_app, PAGE)


def test_default_view(open_page, tasks):
    at = open_page()
    assert at.title[0].value == "Task completion"
    assert "Sample data" in at.info[0].value  # the synthetic-data banner
    # Default period: the latest 12 months, Apr 2017 to Mar 2018.
    m = metrics(at)
    assert m["On time"] == on_time(tasks, "2017-04", "2018-03")
    assert (
        m["Tasks due"] == f"{len(tasks[tasks['due_date'].between('2017-04-01', '2018-03-31')]):,}"
    )
    open_, overdue = backlog(tasks, "2018-03")
    assert m["Open at Mar 2018 end"] == f"{open_:,}"
    assert m["Overdue at Mar 2018 end"] == f"{overdue:,}"
    figs = charts(at)
    assert len(figs) == 5
    # the on-time SPC chart: 24 months to Mar 2018, the March value as worked out above
    line = figs[0]
    series = next(t for t in line["data"] if t.get("mode") == "lines" and t["line"]["width"] == 2)
    assert len(values(series["x"])) == 24 and values(series["x"])[-1] == "2018-03"
    assert f"{values(series['y'])[-1]:.1f}%" == on_time(tasks, "2018-03", "2018-03")
    head = line["layout"]["title"]["text"]
    assert f"Tasks completed on time {on_time(tasks, '2018-03', '2018-03')}:" in head
    # The ODP (25 Sep 2017) changes the task process from Oct 2017; 6 points follow it, so the
    # limits are those of the 18 months Apr 2016 to Sep 2017 (worked out here from the files).
    before = [float(on_time(tasks, m, m).rstrip("%")) for m in months("2016-04", "2017-09")]
    mean, lower, upper = xmr_reference.limits(before)
    upper_trace = next(t for t in line["data"] if t["name"] == "Process limits")
    assert max(v for v in values(upper_trace["y"]) if v is not None) == pytest.approx(upper)
    # the target line is drawn and labelled (85.0% in data/reference/measures.csv)
    shapes = line["layout"]["shapes"]
    assert any(s.get("line", {}).get("dash") == "dash" and s.get("y0") == 85 for s in shapes)
    assert any("Target: at least 85.0%" in a.get("text", "") for a in line["layout"]["annotations"])
    # the backlog SPC chart's overdue series ends at the hand-counted figure
    back = next(f for f in figs if "Overdue open tasks" in f["layout"]["title"]["text"])
    overdue_trace = next(t for t in back["data"] if t["name"] == "Overdue open tasks at month end")
    assert values(overdue_trace["y"])[-1] == overdue
    # The extract holds tasks created from Apr 2015, six months and more before the 24 months
    # shown (from Apr 2016): no note that its first months miss older open tasks.
    assert tasks["created_date"].min().strftime("%Y-%m") == "2015-04"
    assert "The extract holds tasks created from" not in captions(at)


def test_early_months_say_where_the_extract_starts(open_page, tasks):
    at = open_page(start="2015-06", end="2015-09")
    first = tasks["created_date"].min()
    assert f"The extract holds tasks created from {first:%b %Y}" in captions(at)


def test_a_comparison_says_the_sample_covers_the_area_only(open_page):
    at = open_page(compare="National")
    assert (
        "Comparisons with National and other areas are not available: the sample extracts cover "
        "only the West Midlands forces." in captions(at)
    )


def test_crime_type_and_one_month(open_page, tasks):
    at = open_page(crime_type="Drugs Offences", start="2018-03", end="2018-03")
    m = metrics(at)
    expected = on_time(tasks, "2018-03", "2018-03", "Drugs Offences")
    assert m["On time"] == expected
    assert expected != on_time(tasks, "2018-03", "2018-03")  # the filter really narrows it
    drugs = tasks[tasks["offence_category"] == "Drugs Offences"]
    assert m["Overdue at Mar 2018 end"] == f"{backlog(drugs, '2018-03')[1]:,}"
    titles = [title_words(f) for f in charts(at)]
    assert all("tasks on Drugs Offences cases" in t for t in titles)
    # the by-team chart: the lowest team's figure worked out from the files
    team_fig = next(f for f in charts(at) if "by team" in f["layout"]["title"]["text"])
    bars = dict(zip(values(team_fig["data"][0]["y"]), values(team_fig["data"][0]["x"])))
    in_month = drugs[drugs["due_date"].between("2018-03-01", "2018-03-31")]
    for team, part in in_month.groupby("team"):
        want = half_up(int((part["completed_date"] <= part["due_date"]).sum()), len(part))
        assert f"{bars[team]:.1f}%" == want


def test_flag_and_force_say_what_is_shown(open_page, tasks):
    at = open_page(
        crime_type="Hate crime", geography="West Midlands", start="2017-10", end="2017-12"
    )
    text = captions(at)
    assert "Tasks carry no hate crime flag, so this shows all crime." in text
    assert "not recorded by police force" in text and "not West Midlands" in text
    # all tasks of the Area are shown
    assert metrics(at)["On time"] == on_time(tasks, "2017-10", "2017-12")
    # previous period: Jul to Sep 2017; a year before: Oct to Dec 2016
    assert "Jul 2017 to Sep 2017" in text
    assert f"on time {on_time(tasks, '2016-10', '2016-12')}" in text
