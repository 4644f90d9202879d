"""Periods that say when they are partial: every chart of a period names the months its extract
actually covers (issue 7). CPS published no case outcomes for April to June 2017 (data/case_outcomes/
2017 holds Jan-Mar and Jul-Dec), so FY 2017-18 (Apr 2017 to Mar 2018) is 9 of its 12 months.
"""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import pytest

from cjsperf import charts
from cjsperf.filters import Filters, coverage_note
from tests.apptest_support import DATA, captions, chart_specs

FY = [f"2017-{m:02d}" for m in range(4, 13)] + ["2018-01", "2018-02", "2018-03"]


def test_published_months_of_fy_2017_18_are_nine():
    names = sorted(p.name for p in (DATA / "case_outcomes" / "2017").glob("*.csv"))
    assert not any(m in n.lower() for n in names for m in ("apr", "may", "jun"))
    assert len(names) == 9  # Jan, Feb, Mar + Jul to Dec


@pytest.mark.parametrize(
    ("months", "loaded", "expected"),
    [
        (FY, FY[3:], "9 of 12 months; Apr–Jun 2017 not published"),
        (FY, FY, ""),
        (FY, FY[:7] + FY[8:], "11 of 12 months; Nov 2017 not published"),
        (["2017-05"], [], "0 of 1 month; May 2017 not published"),
        (FY, FY[1:5] + FY[6:], "10 of 12 months; Apr 2017, Sep 2017 not published"),
    ],
)
def test_coverage_note_names_the_missing_months(months, loaded, expected):
    assert coverage_note(months, loaded) == expected
    assert Filters(start=months[0], end=months[-1]).months == months


def test_coverage_line_goes_under_the_subtitle_with_room_for_it():
    spec = {"data": [{"type": "bar", "x": ["a"], "y": [1]}],
            "layout": {"title": {"text": "<b>Head</b><br>sub"}, "margin": {"t": 90}}}  # fmt: skip
    fig = go.Figure(
        charts.add_subtitle_line(spec, "Covers 9 of 12 months; Apr–Jun 2017 not published")
    )
    assert fig.layout.title.text.endswith(
        "Covers 9 of 12 months; Apr–Jun 2017 not published</span>"
    )
    assert fig.layout.margin.t == 110


@pytest.fixture(scope="module")
def conviction_page(open_app):
    return functools.partial(open_app, "pages/conviction_rates.py")


NOTE = "Covers 9 of 12 months; Apr–Jun 2017 not published"
# The SPC trend shows the 24 months to the period's end: Apr 2016 to Mar 2018.
NOTE_24 = "Covers 21 of 24 months; Apr–Jun 2017 not published"


def test_conviction_charts_of_fy_2017_18_say_they_cover_nine_months(conviction_page):
    at = conviction_page(crime_type="Drugs Offences", start="2017-04", end="2018-03")
    specs = chart_specs(at)
    # By area, by category and the funnel plot: each figure's subtitle carries the months
    # covered; the trend, the 24 months it shows.
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert sum(NOTE in t for t in titles) == 3, titles
    assert sum(NOTE_24 in t for t in titles) == 1, titles
    assert captions(at).count(f"{NOTE}.") == 3
    assert captions(at).count(f"{NOTE_24}.") == 1


def test_a_fully_covered_period_has_no_coverage_note(conviction_page):
    at = conviction_page(crime_type="Drugs Offences", start="2017-07", end="2018-03")
    # Only the SPC trend, which reaches back 24 months past the period's start, has a gap.
    assert captions(at).count("Covers") == 1 and NOTE_24 in captions(at)
    assert sum("Covers" in s["layout"]["title"]["text"] for s in chart_specs(at)) == 1
