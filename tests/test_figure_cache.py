"""Figures kept between runs (`ui.memo`, issue 11): a cached rerun draws the same charts, byte for
byte, as a run that builds every figure afresh, without building any of them again."""

from __future__ import annotations

import functools

import plotly.io as pio
import plotly.tools
import pytest
import streamlit as st

from cjsperf import charts, trend_chart, ui
from tests.apptest_support import chart_specs

CHOSEN = {
    "crime_type": "Drugs Offences",
    "geography": "West Midlands",
    "start": "2017-01",
    "end": "2017-12",
}


def _counting(monkeypatch, module, name: str, calls: list) -> None:
    real = getattr(module, name)

    @functools.wraps(real)  # same module and name: the same memo keys as the real builder
    def counted(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.mark.parametrize(("page", "n_charts"), [("pages/agent_spend.py", 6)])
def test_a_rerun_draws_the_kept_figures_without_building_them(
    open_app, monkeypatch, page, n_charts
):
    calls: list[str] = []
    _counting(monkeypatch, trend_chart, "trend_figure", calls)
    _counting(monkeypatch, charts, "bar_chart", calls)
    with ui._memo_lock:
        ui._memo.clear()
    first = chart_specs(open_app(page, **CHOSEN))
    assert len(first) == n_charts and len(calls) == n_charts  # every figure built once
    open_app(page)  # other filters in between
    calls.clear()
    again = chart_specs(open_app(page, **CHOSEN))
    assert calls == []  # nothing built again
    assert again == first
    # Built afresh, with Streamlit's and the figures' caches emptied: the same charts.
    with ui._memo_lock:
        ui._memo.clear()
    st.cache_data.clear()
    fresh = chart_specs(open_app(page, **CHOSEN))
    assert len(calls) == n_charts
    assert fresh == first


def test_the_spec_sent_is_the_json_plotly_makes_of_the_figure():
    """st.plotly_chart serialises `return_figure_from_figure_or_data(fig)`; for a PlotlySpec it
    sends the chart's spec as it is, which must be what Plotly's validation makes of it (so
    skipping the validation changes nothing), and sending a kept spec must not change it."""
    import json

    import pandas as pd
    import plotly.graph_objects as go

    df = pd.DataFrame({"court": ["A & B", "C"], "amount": [1234.5, None], "n": [3, 4]})
    spec = charts.bar_chart(
        df, category="court", value="amount", headline="A <b>head</b>", subtitle="one<br>two",
        value_prefix="£", value_format=",.0f", hover=(charts.Hover("n", "Payments"),),
    )  # fmt: skip
    charts.add_source(spec, "Somewhere", as_at="Mar 2018", synthetic=True)

    def sent(f):
        return pio.to_json(plotly.tools.return_figure_from_figure_or_data(f, True), validate=False)

    before = json.dumps(spec)
    shown = sent(ui.PlotlySpec(spec))
    assert json.dumps(spec) == before
    assert json.loads(shown) == json.loads(go.Figure(json.loads(before)).to_json())
    bar = spec["data"][0]
    assert bar["x"] == [1234.5, None] and bar["customdata"] == [[3], [4]]  # plain JSON values


@pytest.mark.parametrize(
    ("page", "ahead"),
    [
        # the page's measures (ui.measures_of) and their queries in data/reference/measures.csv
        ("pages/people.py", {"training_completion_by_month", "training_backlog_by_month"}),
        ("pages/victims.py", {"vcl_letters_on_time_by_month", "vcl_letter_quality_by_month"}),
        # drawn for the court type chosen: started with it, not once more without
        (
            "pages/trials_witnesses.py",
            {"trial_effectiveness_by_month", "witness_attendance_by_month"},
        ),
        # its agent share is drawn from sessions_by_month too (the registry's agent_share_by_month
        # takes no court type: not started)
        ("pages/court_sessions.py", {"sessions_by_month"}),
    ],
)
def test_a_pages_trend_queries_start_ahead_and_draw_the_same_charts(
    open_app, monkeypatch, page, ahead
):
    """Issue 11: naming its measures (`ui.measures_of`) starts their trends' queries in the query
    threads while the page goes on; each runs once, and the charts are those of a run where every
    query runs in turn in the page's own thread."""
    import threading

    from cjsperf.db import Warehouse

    ran: list[tuple[str, str, str]] = []
    real = Warehouse.run_query

    def counted(self, name, **params):
        df = real(self, name, **params)  # counted once it has run (a refused one is not)
        ran.append((threading.current_thread().name, name, params.get("staff_group", "")))
        return df

    monkeypatch.setattr(Warehouse, "run_query", counted)

    def fresh():
        st.cache_data.clear()
        with ui._memo_lock:
            ui._memo.clear()
        ran.clear()
        return chart_specs(open_app(page, **CHOSEN))

    first = fresh()
    in_threads = {n for t, n, g in ran if t.startswith("cjsperf-query")}
    assert in_threads == ahead
    assert sorted(n for t, n, g in ran if n in ahead and not g) == sorted(ahead)  # once each
    monkeypatch.setattr(ui, "prefetch", lambda calls, wait=True: 0)
    in_turn = fresh()
    assert not any(t.startswith("cjsperf-query") for t, _, _ in ran)
    assert in_turn == first
    st.cache_data.clear()
