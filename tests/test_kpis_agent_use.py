"""Headline figures (cjsperf.kpis), the ODP marker (cjsperf.events), the target and event lines
(cjsperf.charts) and the agent-use charts (cjsperf.agent_use), on frames of a few rows."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from cjsperf import agent_use, charts, events, kpis, measures


@pytest.mark.parametrize(
    ("start", "end", "months", "previous"),
    [
        ("2017-04", "2018-03", 12, ("2016-04", "2017-03")),
        ("2018-03", "2018-03", 1, ("2018-02", "2018-02")),
        ("2017-11", "2018-02", 4, ("2017-07", "2017-10")),  # across a year end
    ],
)
def test_previous_period(start, end, months, previous):
    assert kpis.period_months(start, end) == months
    assert kpis.previous_period(start, end) == previous


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (3839585.24, "£", "£3.84m"),
        (615234.0, "£", "£615,234"),
        (19.2, "%", "19.2%"),
        (None, "%", "no data"),
        (float("nan"), "£", "no data"),
        (19750, "", "19,750"),
    ],
)
def test_compact(value, unit, shown):
    assert kpis.compact(value, unit) == shown


def test_kpi_change_and_target_status():
    assert kpis.Kpi("Agent share", 12.7, "%", 22.4).delta == "-9.7 points"
    assert kpis.Kpi("Spend", 110.0, "£", 100.0).delta == "+10.0%"
    assert kpis.Kpi("Spend", 110.0, "£", None).delta is None
    cost = measures.Measure(
        key="cost_per_agent_session", label="Cost per agent session", unit="£", better="lower",
        query="agent_spend_by_month", column="cost_per_agent_session", page="p", definition="d",
        target=160.0, tolerance=10.0,
    )  # fmt: skip
    assert cost.text == "Target: at most £160"
    assert [cost.status(v).word for v in (158.2, 165.0, 171.0)] == ["Green", "Amber", "Red"]
    no_target = measures.Measure("k", "l", "£", "lower", "q", "c", "p", "d")
    assert no_target.text == "" and no_target.status(1.0).word == "No target"


@pytest.mark.parametrize(
    ("label", "now", "then", "unit", "said"),
    [
        # Rates: points between the two figures as shown (57.1 - 49.6 = 7.5).
        ("assessed good", 57.1, 49.6, "%", "assessed good 49.6% (+7.5 points)"),
        # Counts: % of the earlier figure, half-up ((2 - 3) / 3 = -33.33...%).
        ("letters due", 2, 3, "", "letters due 3 (-33.3%)"),
        ("unsent past due", 0, 0, "", "unsent past due 0 (no change)"),
        # Nothing to compare with: the earlier figure is missing, or a count rose from 0 (no %).
        ("assessed good", 57.1, None, "%", "assessed good no data"),
        ("assessed good", 57.1, float("nan"), "%", "assessed good no data"),
        ("unsent past due", 5, 0, "", "unsent past due 0"),
        ("on time", None, 80.0, "%", "on time 80.0%"),
    ],
)
def test_an_earlier_figure_comes_with_a_change_only_when_there_is_one(label, now, then, unit, said):
    assert kpis.compared(label, now, then, unit) == said


def test_the_figures_table_shows_no_change_where_there_is_no_comparison():
    tiles = [
        kpis.Kpi("Assessed Good", 57.1, "%", None),
        kpis.Kpi("Unsent past due", 0, "", 0),
        kpis.Kpi("Letters due", 2, "", 3),
    ]
    changes = kpis.table(tiles, "Feb 2018")["Change on Feb 2018"].tolist()
    assert changes == ["no comparison", "no change", "-33.3%"]


ODP = events.Event("2017-09-25", "Operational Delivery Plan launched", True, ("agent_spend",))
TRAINING = events.Event("2017-10-02", "Training", False, ("tasks_on_time",))


def _months_chart(months):
    df = pd.DataFrame({"month": months, "a": [100.0] * len(months), "b": [50.0] * len(months)})
    long = df.melt(id_vars="month", value_vars=["a", "b"], var_name="s", value_name="v")
    return charts.bar_chart(
        long,
        category="month",
        value="v",
        series="s",
        stacked=True,
        horizontal=False,
        headline="h",
        subtitle="s",
    )


def test_events_marked_for_their_measures_in_the_months_shown():
    fig = go.Figure(events.mark_events(
        _months_chart(["2017-09", "2017-10", "2017-11"]), ["2017-09", "2017-10"], [ODP, TRAINING],
        "agent_spend",
    ))  # fmt: skip
    assert [s.x0 for s in fig.layout.shapes] == ["2017-09-25"]  # training is not a spend event
    assert fig.layout.annotations[0].text == "Operational Delivery Plan launched, 25 Sep 2017"
    # Stacked columns of 150 get headroom so the label clears them.
    assert fig.layout.yaxis.range == (0, 150 * 1.3)
    later = go.Figure(
        events.mark_events(_months_chart(["2017-10", "2017-11"]), ["2017-10", "2017-11"], [ODP])
    )
    assert not later.layout.shapes
    # A chart of no single measure marks both; the second label, a week later, sits lower.
    both = go.Figure(events.mark_events(_months_chart(["2017-09", "2017-10"]),
                                        ["2017-09", "2017-10"], [ODP, TRAINING]))  # fmt: skip
    assert [s.x0 for s in both.layout.shapes] == ["2017-09-25", "2017-10-02"]
    assert [a.yshift for a in both.layout.annotations] == [0, -34]


def test_target_line_is_dashed_labelled_and_kept_in_view():
    spec = charts.target_line(_months_chart(["2017-09", "2017-10"]), 300.0, "Target: at most £300")
    fig = go.Figure(spec)
    (line,) = fig.layout.shapes
    assert (line.y0, line.line.dash) == (300.0, "dash")
    assert fig.layout.annotations[0].text == "Target: at most £300"
    fig = go.Figure(charts.mark_month(spec, "2017-10", "event"))
    assert fig.layout.yaxis.range == (0, 300 * 1.3)  # the target, above the bars, sets the top


def test_by_prosecutor_chart():
    df = pd.DataFrame(
        {
            "list_type": ["Trial", "Motoring", "Youth"],
            "sessions": [500, 100, 40],
            "in_house_sessions": [200, 0, 40],
            "agent_sessions": [300, 100, 0],
            "agent_share": [60.0, 100.0, 0.0],
        }
    )
    spec, head = agent_use.by_prosecutor_chart(df, "list_type", subtitle="sub", suffix=" lists")
    fig = go.Figure(spec)
    assert head == "Motoring lists used agents most, 100.0%"
    agent, in_house = fig.data
    assert (agent.name, in_house.name) == ("Agent", "In-house")
    assert list(agent.y) == ["Trial (60.0% agent)", "Motoring (100.0% agent)", "Youth (0.0% agent)"]
    assert list(agent.x) == [300, 100, 0] and list(in_house.x) == [200, 0, 40]
    # Counts only on segments of at least a twelfth of the widest bar (500 sessions: 41.7).
    assert list(agent.text) == ["300", "100", ""] and list(in_house.text) == ["200", "", ""]
    assert agent.marker.color == agent_use.PROSECUTOR_COLORS["Agent"]
    # A list of 10 sessions all covered by agents is not named: fewer than 50 sessions.
    small = pd.concat([df, pd.DataFrame({"list_type": ["Remand"], "sessions": [10],
                                         "in_house_sessions": [0], "agent_sessions": [10],
                                         "agent_share": [100.0]})])  # fmt: skip
    _, head = agent_use.by_prosecutor_chart(small, "list_type", subtitle="sub", suffix=" lists")
    assert head == "Motoring lists used agents most, 100.0%"
    few = df.assign(sessions=[5, 1, 4])
    _, head = agent_use.by_prosecutor_chart(few, "list_type", subtitle="sub", suffix=" lists")
    assert head == "Every one had fewer than 50 sessions: no ranking"


def test_compact_millions_round_half_up():
    # £3,845,000 is £3.845m: half-up gives £3.85m (binary rounding of 3.845 gives 3.84).
    assert kpis.compact(3_845_000, "£") == "£3.85m"
    assert kpis.compact(999_999.5, "£") == "£1,000,000"
