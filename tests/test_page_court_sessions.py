"""The Court sessions page under AppTest, over the sample extracts in data/.

Expected figures are worked out here with pandas from the raw .csv.gz files and the court reference
list, never taken from the page's queries.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests import xmr_reference
from tests.apptest_support import DATA, captions, chart, charts, metrics, values

PAGE = "pages/court_sessions.py"
FY = ("2017-04", "2018-03")  # the default period: the latest 12 months of the sample


@pytest.fixture(scope="module")
def sessions() -> pd.DataFrame:
    files = sorted((DATA / "court_sessions").glob("*.csv*"))
    df = pd.concat([pd.read_csv(p, dtype=str) for p in files])
    courts = pd.read_csv(DATA / "reference" / "court_centres.csv", dtype=str)
    df = df.merge(courts[["court_centre", "force_area"]], on="court_centre", how="left")
    df["month"] = df["session_date"].str[:7]
    return df


def between(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return df[(df["month"] >= start) & (df["month"] <= end)]


def half_up(num, den) -> Decimal:
    return (Decimal(100 * int(num)) / Decimal(int(den))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def agents(df: pd.DataFrame) -> int:
    return int((df["prosecutor"] == "Agent").sum())


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(**query_params) → a finished AppTest run of the page, opened as from a link."""
    return functools.partial(open_app, PAGE)


def test_default_view(open_page, sessions):
    at = open_page()
    mags = sessions[sessions["court_type"] == "Magistrates' court"]
    now, before = between(mags, *FY), between(mags, "2016-04", "2017-03")
    got = metrics(at)
    change = (len(now) - len(before)) / len(before) * 100
    assert got["Sessions listed"] == (f"{len(now):,}", f"{change:+.1f}%")
    share_now, share_before = half_up(agents(now), len(now)), half_up(agents(before), len(before))
    assert got["Agent"] == (f"{share_now}%", f"{share_now - share_before:+.1f} points")
    assert got["In-house"][0] == f"{half_up(len(now) - agents(now), len(now))}%"
    assert got["Agent sessions"][0] == f"{agents(now):,}"
    # The court centre that used agents most (ties go to the busier court).
    by_court = now.groupby("court_centre").agg(
        n=("prosecutor", "size"), a=("prosecutor", lambda p: (p == "Agent").sum())
    )
    by_court["share"] = [half_up(a, n) for a, n in zip(by_court["a"], by_court["n"])]
    top = by_court.sort_values(["share", "n"], ascending=False).iloc[0]
    head, spec = chart(at, "used agents most", but_not="lists")
    assert head == f"{top.name} used agents most, {top['share']}%"
    lists_head, _ = chart(at, "lists used agents most")
    by_list = now.groupby("list_type")["prosecutor"].agg(["size", lambda p: (p == "Agent").sum()])
    by_list["share"] = [half_up(a, n) for n, a in by_list.to_numpy()]
    first = by_list.sort_values(["share", "size"], ascending=False).iloc[0]
    assert lists_head == f"{first.name} lists used agents most, {first['share']}%"
    # Every magistrates' court of the Area is a bar, with its share in the label.
    labels = values(spec["data"][0]["y"])
    assert len(labels) == mags["court_centre"].nunique() == 13
    assert f"{top.name} ({top['share']}% agent)" in labels
    # The last month's sessions in the SPC chart's headline, judged against the limits of the
    # 24 months to Mar 2018 (sessions listed have no process change in events.csv).
    last = now[now["month"] == "2018-03"]
    head, spec = chart(at, "Magistrates' court sessions listed")
    assert head.startswith(f"Magistrates' court sessions listed {len(last):,} sessions: ")
    by_month = between(mags, "2016-04", "2018-03").groupby("month").size()
    mean, lower, upper = xmr_reference.limits(by_month.tolist())
    mean_trace = next(t for t in spec["data"] if t["name"] == "Mean")
    assert values(mean_trace["y"])[0] == pytest.approx(mean)
    if lower <= len(last) <= upper:
        assert "within its usual range" in head
    assert "not recorded by crime type" not in captions(at)


def test_crime_type_force_and_month(open_page, sessions):
    at = open_page(
        crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
    )
    mags = sessions[
        (sessions["court_type"] == "Magistrates' court")
        & (sessions["force_area"] == "West Midlands")
        & (sessions["month"] == "2018-03")
    ]
    share = half_up(agents(mags), len(mags))
    got = metrics(at)
    assert got["Sessions listed"][0] == f"{len(mags):,}"
    assert got["Agent"][0] == f"{share}%"
    head, _ = chart(at, "Agent share of magistrates' sessions")
    assert head.startswith(f"Agent share of magistrates' sessions {share}%: ")
    # Only the West Midlands force's six magistrates' courts.
    _, by_court = chart(at, "used agents most", but_not="lists")
    names = {label.split(" (")[0] for label in values(by_court["data"][0]["y"])}
    assert names == set(mags["court_centre"]) and len(names) == 6
    assert (
        "Court sessions are not recorded by crime type, so this shows all crime, not "
        "Drugs Offences." in captions(at)
    )


def test_crown_court_sessions(open_page, sessions):
    at = open_page(compare="")
    at.radio(key="sessions_court_type").set_value("Crown Court").run()
    assert not at.exception
    crown = sessions[sessions["court_type"] == "Crown Court"]
    now = between(crown, *FY)
    assert metrics(at)["Sessions listed"][0] == f"{len(now):,}"
    # No Crown Court session of the sample was prosecuted by an agent (counted in the files): the
    # page says so, and neither charts an agent share of 0.0% in "its usual range (0.0%–0.0%)"
    # nor ranks court centres or lists by it ("Birmingham Crown Court used agents most, 0.0%").
    assert agents(crown) == 0
    shown = between(crown, "2016-04", "2018-03")  # the 24 months to the period's end
    assert shown["month"].nunique() == 24
    assert (
        "No crown court sessions were covered by an agent in the 24 months shown: "
        "no agent share to chart."
    ) in captions(at)
    assert not [h for h in charts(at) if "Agent share" in h]
    assert "Agent share" not in " ".join(el.value for el in at.html)  # the status line
    assert "used agents most" not in " ".join(charts(at))
    assert f"All {len(now):,} sessions were prosecuted in-house" in charts(at)
    assert "Against target" not in captions(at)
    assert "Comparisons with National" not in captions(at)


def test_first_months_have_no_previous_period(open_page):
    at = open_page(start="2015-04", end="2015-06")
    assert not any(delta for _, delta in metrics(at).values())
    assert "No change shown" in captions(at)


def test_a_period_before_the_extract_says_so_plainly(open_page):
    # Published case outcomes start in 2014; the sessions extract in April 2015.
    at = open_page(start="2014-01", end="2014-03")
    assert [i.value for i in at.info if "No magistrates' court sessions listed" in i.value]
    assert not at.get("plotly_chart") and not at.metric
