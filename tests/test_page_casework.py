"""The Casework quality page, and its measures' Overview tiles, under AppTest over the sample in data/.

Expected figures are worked out here with pandas from the gzipped CSVs themselves (never from
cjsperf's queries): TSJ on time = completed on or before the due date, of the reviews due in the
month or period (the sample is extracted on 31 March 2018, and every review is due by then, so
every one is judged); disclosure fully met = Fully met answers of those not Not applicable. SPC
limits come from tests/xmr_reference.py.
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests import xmr_reference
from tests.apptest_support import DATA, captions, chart, open_table, values
from tests.apptest_support import metric_values as metrics
from tests.test_trends import months

PAGE = "pages/casework_quality.py"
ICON = re.compile(r'aria-hidden="true">[^<]*</span>([^<]+)')


def half_up(num: int, den: int) -> str:
    return f"{(Decimal(100 * num) / Decimal(den)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _read(name: str) -> pd.DataFrame:
    files = sorted((DATA / name).glob("*.csv.gz"))
    assert len(files) == 3, f"the sample extracts are missing from data/{name}"
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files])


@pytest.fixture(scope="module")
def reviews() -> pd.DataFrame:
    df = _read("tsj_reviews")
    for c in ("due_date", "completed_date"):
        df[c] = pd.to_datetime(df[c].replace("", None))
    assert (df["due_date"] <= pd.Timestamp("2018-03-31")).all()
    return df


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    df = _read("disclosure_assessments")
    df["month"] = df["assessed_date"].str[:7]
    return df


def in_months(dates: pd.Series, first: str, last: str) -> pd.Series:
    m = dates.dt.strftime("%Y-%m")
    return (m >= first) & (m <= last)


def on_time(df: pd.DataFrame, first: str, last: str) -> str:
    due = df[in_months(df["due_date"], first, last)]
    return half_up(int((due["completed_date"] <= due["due_date"]).sum()), len(due))


def fully_met(df: pd.DataFrame, first: str, last: str) -> str:
    part = df[(df["month"] >= first) & (df["month"] <= last) & (df["answer"] != "Not applicable")]
    return half_up(int((part["answer"] == "Fully met").sum()), len(part))


@pytest.fixture(scope="module")
def open_page(open_app):
    return functools.partial(open_app, PAGE)


def test_default_view(open_page, reviews, answers):
    at = open_page()
    assert at.title[0].value == "Casework quality"
    assert "Sample data" in at.info[0].value
    # Default period: the latest 12 months, Apr 2017 to Mar 2018.
    m = metrics(at)
    assert m["TSJ reviews on time"] == on_time(reviews, "2017-04", "2018-03")
    due = in_months(reviews["due_date"], "2017-04", "2018-03").sum()
    assert m["TSJ reviews due"] == f"{due:,}"
    assert m["Disclosure fully met"] == fully_met(answers, "2017-04", "2018-03")
    year = answers[(answers["month"] >= "2017-04") & (answers["month"] <= "2018-03")]
    assert m["Cases assessed"] == f"{year['assessment_id'].nunique():,}"
    # The TSJ SPC chart: 24 months to Mar 2018, the March value as worked out above.
    head, spec = chart(at, "TSJ reviews on time")
    line = next(t for t in spec["data"] if t.get("mode") == "lines" and t["line"]["width"] == 2)
    assert values(line["x"]) == months("2016-04", "2018-03")
    march = on_time(reviews, "2018-03", "2018-03")
    assert f"{values(line['y'])[-1]:.1f}%" == march and head.startswith(
        f"TSJ reviews on time {march}"
    )
    series = [float(on_time(reviews, mo, mo).rstrip("%")) for mo in months("2016-04", "2018-03")]
    assert values(line["y"]) == pytest.approx(series)
    # The ODP (25 Sep 2017) changed the process; fewer than 12 months follow it, so the limits
    # are those of the 18 months before it (Apr 2016 - Sep 2017), carried on.
    assert months("2016-04", "2018-03")[17] == "2017-09"
    _, lower, upper = xmr_reference.limits(series[:18])
    drawn = [v for t in spec["data"] if t["name"] == "Process limits" for v in values(t["y"])]
    drawn = [v for v in drawn if v is not None]
    assert (max(drawn), min(drawn)) == (pytest.approx(upper), pytest.approx(lower))
    # March above the old upper limit: the headline names the change it follows
    assert series[-1] > upper
    assert "special cause improvement since Operational Delivery Plan launched" in head
    # The disclosure SPC chart ends at March's share fully met.
    head, spec = chart(at, "Disclosure questions fully met")
    line = next(t for t in spec["data"] if t.get("mode") == "lines" and t["line"]["width"] == 2)
    assert f"{values(line['y'])[-1]:.1f}%" == fully_met(answers, "2018-03", "2018-03")
    # Its data table names every column; March's cases assessed counted from the file
    table = open_table(at, "disclosure-fully-met-by-month")
    assert {"Month", "Cases assessed", "Applicable answers", "Fully met (%)"} <= set(table.columns)
    assert "assessments" not in table.columns
    march = answers[answers["month"] == "2018-03"]
    got = table.loc[table["Month"].astype(str).str.startswith("2018-03"), "Cases assessed"]
    assert got.tolist() == [march["assessment_id"].nunique()]
    # Bars by team: Magistrates' Court Unit Birmingham is lowest (the sample's story), at its rate.
    year_reviews = reviews[in_months(reviews["due_date"], "2017-04", "2018-03")]
    by_team = {team: on_time(g, "2017-04", "2018-03") for team, g in year_reviews.groupby("team")}
    low = min(by_team, key=lambda k: float(by_team[k].rstrip("%")))
    assert low == "Magistrates' Court Unit Birmingham"
    head, _ = chart(at, f"{low} lowest")
    assert head == f"{low} lowest, {by_team[low]} on time"
    kinds = {
        f"{plea}: {kind.lower()}": on_time(g, "2017-04", "2018-03")
        for (plea, kind), g in year_reviews.groupby(["plea_type", "review_type"])
    }
    # the lowest of the plea and review bars: trial-readiness reviews of not guilty pleas
    worst = min(kinds, key=lambda k: float(kinds[k].rstrip("%")))
    assert worst == "Anticipated not guilty: trial readiness"
    head, _ = chart(at, "trial readiness lowest")
    assert head == f"{worst} lowest, {kinds[worst]} on time"
    # By question: the Disclosure Record Sheet lowest, at its share fully met.
    drs = answers[answers["question"] == "Disclosure Record Sheet completed and endorsed"]
    head, _ = chart(at, "Record Sheet completed and endorsed lowest")
    assert head == (
        f"Disclosure Record Sheet completed and endorsed lowest, "
        f"{fully_met(drs, '2017-04', '2018-03')} fully met"
    )
    assert "Comparisons with National and other areas are not available" in captions(at)


def test_force_crime_type_and_period(open_page, reviews, answers):
    at = open_page(crime_type="Theft And Handling", geography="Staffordshire", start="2017-10",
                   end="2017-12", compare="none")  # fmt: skip
    r = reviews[
        (reviews["offence_category"] == "Theft And Handling")
        & (reviews["force_area"] == "Staffordshire")
    ]
    a = answers[
        (answers["offence_category"] == "Theft And Handling")
        & (answers["force_area"] == "Staffordshire")
    ]
    m = metrics(at)
    assert m["TSJ reviews on time"] == on_time(r, "2017-10", "2017-12")
    assert m["TSJ reviews on time"] != on_time(reviews, "2017-10", "2017-12")
    assert m["Disclosure fully met"] == fully_met(a, "2017-10", "2017-12")
    assert "Comparisons with National" not in captions(at)
    # A year before (Oct to Dec 2016), each figure with its change, worked out from the files
    # as the other pages give it: points for rates, % for counts.
    then = {"tsj": on_time(r, "2016-10", "2016-12"), "iqa": fully_met(a, "2016-10", "2016-12")}
    now = {"tsj": on_time(r, "2017-10", "2017-12"), "iqa": fully_met(a, "2017-10", "2017-12")}
    points = {k: Decimal(now[k].rstrip("%")) - Decimal(then[k].rstrip("%")) for k in now}
    due = [int(in_months(r["due_date"], *p).sum()) for p in (("2016-10", "2016-12"),
                                                          ("2017-10", "2017-12"))]  # fmt: skip
    assessed = [a[(a["month"] >= s) & (a["month"] <= e)]["assessment_id"].nunique()
                for s, e in (("2016-10", "2016-12"), ("2017-10", "2017-12"))]  # fmt: skip
    pct = [(Decimal(100 * (n - t)) / Decimal(t)).quantize(Decimal("0.1"), ROUND_HALF_UP)
           for t, n in (due, assessed)]  # fmt: skip
    assert (
        f"A year before (Oct 2016 to Dec 2016): TSJ reviews on time {then['tsj']} "
        f"({points['tsj']:+} points); TSJ reviews due {due[0]:,} ({pct[0]:+}%); disclosure "
        f"fully met {then['iqa']} ({points['iqa']:+} points); cases assessed {assessed[0]:,} "
        f"({pct[1]:+}%)."
    ) in captions(at).splitlines()


def test_a_flag_shows_all_crime_and_says_so(open_page, reviews):
    at = open_page(crime_type="Domestic abuse", start="2018-01", end="2018-03")
    assert metrics(at)["TSJ reviews on time"] == on_time(reviews, "2018-01", "2018-03")
    assert "carry no domestic abuse flag, so this shows all crime" in captions(at)


def test_overview_tiles(open_app, reviews, answers):
    at = open_app(None)
    tiles = metrics(at)
    assert tiles["TSJ reviews on time"] == on_time(reviews, "2018-03", "2018-03")
    assert tiles["Disclosure questions fully met"] == fully_met(answers, "2018-03", "2018-03")
    # Each tile's icons follow its label; pair them in page order.
    labels = [m.label for m in at.metric]
    found = [f for el in at.html if (f := ICON.findall(el.value))]
    words = dict(zip(labels, found, strict=True))
    # 24 months to Mar 2018; the ODP changed the process of both, with fewer than 12 months
    # after it, so the limits are those of Apr 2016 - Sep 2017. Disclosure: March above the upper
    # limit (special cause improvement) and the 70% target above every value the process gave
    # (consistently fails).
    series = [float(fully_met(answers, mo, mo).rstrip("%")) for mo in months("2016-04", "2018-03")]
    _, _, upper = xmr_reference.limits(series[:18])
    assert series[-1] > upper and upper < 70.0
    assert words["Disclosure questions fully met"] == [
        "Special cause improvement",
        "Consistently fails the target",
    ]
    tsj = [float(on_time(reviews, mo, mo).rstrip("%")) for mo in months("2016-04", "2018-03")]
    _, _, upper = xmr_reference.limits(tsj[:18])
    assert tsj[-1] > upper and upper < 90.0
    assert words["TSJ reviews on time"] == [
        "Special cause improvement",
        "Consistently fails the target",
    ]
