"""Figures kept between runs (`ui.memo`, issue 11): a cached rerun draws the same charts, byte for
byte, as a run that builds every figure afresh, without building any of them again."""

from __future__ import annotations

import functools

import plotly.io as pio
import plotly.tools
import pytest
import streamlit as st

from cjsperf import charts, trend_chart, ui
from tests.apptest_support import captions, chart_specs, metrics

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


# Every query each page needs, read from the page: its measures' trends (ui.measures_of,
# ui.start_trend; their queries in data/reference/measures.csv) and its breakdowns (ui.start).
STARTED_AHEAD = {
    "pages/conviction_rates.py": {
        "conviction_rate_by_month",  # the chosen geography's trend (the comparisons' in turn)
        "conviction_rate_by_area",
        "conviction_rate_by_category",
        "flagged_rate_by_court_type",  # West Midlands, chosen here, is one of the four forces
    },
    "pages/agent_spend.py": {
        "agent_spend_by_month",  # agent spend and the cost per agent session
        "agent_share_by_month",  # the agents' share of magistrates' court sessions
        "agent_spend_by_court",
        "agent_counsel_fees_by_category",
    },
    # drawn for the court type chosen: started with it, not once more without; its agent share
    # is drawn from sessions_by_month too (the registry's agent_share_by_month takes no court
    # type: not started)
    "pages/court_sessions.py": {"sessions_by_month", "sessions_by_court", "sessions_by_list_type"},
    "pages/trials_witnesses.py": {
        "trial_effectiveness_by_month",  # effective trials and those failed for the prosecution
        "witness_attendance_by_month",
        "trials_by_reason",
        "trials_by_attribution",
    },
    "pages/casework_quality.py": {
        "tsj_reviews_on_time_by_month",
        "disclosure_fully_met_by_month",
        "tsj_reviews_on_time_by_team",
        "tsj_reviews_on_time_by_type",
        "disclosure_fully_met_by_question",
    },
    "pages/victims.py": {
        "vcl_letters_on_time_by_month",
        "vcl_letter_quality_by_month",
        "vcl_letters_on_time_by_service",
        "vcl_letters_on_time_by_force",
        "vcl_letter_quality_by_grade",
    },
    "pages/task_completion.py": {
        "tasks_on_time_by_month",
        "tasks_backlog_by_month",  # the overdue trend's and the backlog chart's
        "tasks_on_time_by_team",
        "tasks_on_time_by_type",
        "tasks_open_age",
    },
    "pages/people.py": {
        "training_completion_by_month",  # for all staff, and for administrative staff
        "training_backlog_by_month",
        "training_completion_by_group",
        "training_outstanding_by_group",
    },
}


@pytest.mark.parametrize("page", list(STARTED_AHEAD))
def test_a_pages_queries_start_ahead_and_draw_the_same_page(open_app, monkeypatch, page):
    """Issue 11: a page starts every query it needs at its top (its measures' trends when it
    names them, `ui.measures_of`; the rest with `ui.start`), so they run on the query workers,
    PREFETCH_WORKERS at a time, while the page goes on; one no worker has taken by the time the
    page needs it the page runs itself. Each runs once (but the two noted in `twice`), and the
    page's tiles, captions and charts are those of a run where every query runs in turn in the
    page's own thread."""
    import threading

    from cjsperf.db import Warehouse

    ahead = STARTED_AHEAD[page]
    ran: list[tuple[str, str, str]] = []
    started: list[str] = []
    real_run, real_prefetch = Warehouse.run_query, ui.prefetch

    def counted(self, name, **params):
        df = real_run(self, name, **params)  # counted once it has run (a refused one is not)
        ran.append((threading.current_thread().name, name, params.get("staff_group", "")))
        return df

    def starting(calls, wait=True):
        calls = list(calls)
        started.extend(name for name, _ in calls)
        return real_prefetch(calls, wait)

    monkeypatch.setattr(Warehouse, "run_query", counted)
    monkeypatch.setattr(ui, "prefetch", starting)

    def fresh():
        st.cache_data.clear()
        with ui._memo_lock:
            ui._memo.clear()
        # the workers free when the page opens: another test's queries still on them would leave
        # the page to take its own back and run them itself, as it does behind other sessions'
        for future in list(ui._inflight.values()):
            future.result()
        if ui._pool:
            for idle in [ui._pool[0].submit(int) for _ in range(ui.PREFETCH_WORKERS)]:
                idle.result()
        ran.clear()
        started.clear()
        at = open_app(page, **CHOSEN)
        for future in list(ui._inflight.values()):  # any the page did not wait for
            future.result()
        return metrics(at), captions(at), chart_specs(at)

    first = fresh()
    assert ahead <= set(started)
    on_workers = [n for t, n, _ in ran if t.startswith(ui.PREFETCH_THREAD)]
    assert on_workers and set(on_workers) <= ahead
    twice = {  # People's on-time trend for two staff groups; for the offence category chosen,
        # Agent spend's counsel fees in this period and the one before (its tile's change);
        # Conviction rates' trend for the comparison too (National here), in turn
        "pages/people.py": ["training_completion_by_month"],
        "pages/agent_spend.py": ["agent_counsel_fees_by_category"],
        "pages/conviction_rates.py": ["conviction_rate_by_month"],
    }.get(page, [])
    runs = sorted(n for _, n, _ in ran if n in ahead)
    assert runs == sorted([*ahead, *twice])
    tiles = 0 if page == "pages/conviction_rates.py" else 3  # it has no tiles
    assert len(first[0]) >= tiles and len(first[2]) >= 3  # tiles and charts drawn
    monkeypatch.setattr(ui, "prefetch", lambda calls, wait=True: 0)
    in_turn = fresh()
    assert not any(t.startswith(ui.PREFETCH_THREAD) for t, _, _ in ran)
    assert sorted(n for _, n, _ in ran if n in ahead) == runs
    assert in_turn == first
    st.cache_data.clear()
