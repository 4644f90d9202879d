"""The funnel plot view (cjsperf.comparison, charts.funnel_chart) on hand-made units and on the
published March 2018 file, its expected limits worked out here from the formula."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from cjsperf import charts, comparison
from cjsperf.filters import Filters
from cjsperf.headlines import literal


def fake_run(rows: list[tuple[str, int, int]], p0: float):
    """A stand-in for the queries: conviction_rate_funnel from (unit, convictions, cases) rows and
    force_areas with one more force that has no cases."""

    def run(name, **params):
        if name == "force_areas":
            units = [u for u, _, _ in rows] + ["Nowhere"]
            return pd.DataFrame({"force_area": units, "cps_area": ["X"] * len(units)})
        return pd.DataFrame(
            {"unit": [u for u, _, _ in rows], "convictions": [c for _, c, _ in rows],
             "cases": [n for _, _, n in rows],
             "conviction_rate": [round(100 * c / n, 1) for _, c, n in rows], "p0": p0}
        )  # fmt: skip

    return run


def test_funnel_view_places_each_unit_and_names_the_missing():
    # p0 = 80%. For 100 cases the 99.8% limits are 80 ± 3.090232 × √(0.8 × 0.2 / 100) × 100
    # = 80 ± 12.36: 67.64 to 92.36. West Midlands at 95 of 100 is above; the others within.
    rows = [("West Midlands", 95, 100), ("Staffordshire", 80, 100), ("Kent", 800, 1000)]
    v = comparison.funnel_view(fake_run(rows, 80.0), Filters(start="2018-03", end="2018-03"),
                               adjust=False)  # fmt: skip
    t = v.table.set_index("unit")
    half = 3.090232 * math.sqrt(0.8 * 0.2 / 100) * 100
    assert t.loc["West Midlands", "upper_998"] == pytest.approx(80 + half)
    assert t.loc["West Midlands", "position_998"] == "above"
    assert t.loc["Staffordshire", "position_998"] == "within"
    assert v.headline == "West Midlands forces outside the 99.8% limits: West Midlands above"
    assert f"No cases, so not shown: {literal('Nowhere')}." in v.notes
    assert any("limits" in n for n in v.notes)
    # The figure: the chosen forces dark blue and named, the rest grey.
    named = next(tr for tr in go.Figure(v.figure).data if tr.name == "West Midlands")
    assert list(named.text) == ["West Midlands", "Staffordshire"]


def test_flags_say_no_fair_comparison():
    v = comparison.funnel_view(fake_run([], 80.0), Filters(crime_type="Hate crime"))
    assert v.figure is None and "no fair comparison" in v.headline


def test_funnel_chart_draws_limits_and_the_national_line():
    pts = pd.DataFrame({"unit": ["A", "B", "C"], "n": [10, 100, 1000], "rate": [90.0, 70.0, 80.0],
                        "position_95": ["within"] * 3, "position_998": ["within"] * 3})  # fmt: skip
    lines = pd.DataFrame({"n": [10, 1000], "lower_95": [55.2, 77.5], "upper_95": [100.0, 82.5],
                          "lower_998": [40.9, 76.1], "upper_998": [100.0, 83.9]})  # fmt: skip
    fig = go.Figure(
        charts.funnel_chart(pts, lines, p0=80.0, headline="h", subtitle="s", highlight=("A",))
    )
    names = [t.name for t in fig.data]
    assert names.count("95% limits") == 2 and names.count("99.8% limits") == 2
    assert "National 80.0%" in names
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.xaxis.tickvals) == [10, 20, 50, 100, 200, 500, 1000]
