"""A period's headline figures summed from the monthly rows of its trend (issue 11: "derive a
period's summary from its monthly rows instead of a second scan"), checked against the one-row
period queries they replace, and the rate worked out in Python against the SQL macro."""

from __future__ import annotations

import functools
import itertools
import math
import types

import pandas as pd
import pytest

from cjsperf import kpis, ui
from tests.apptest_support import metrics

kpis_summed = kpis.summed


def test_rate_half_up_is_the_sql_macro(real_wh):
    pairs = [
        (n, d)
        for d in (0, 1, 3, 7, 8, 16, 40, 2000, 2001, 99_999)
        for n in range(0, d + 1, max(1, d // 37))
    ]
    pairs += [(1, 8), (3, 8), (5, 8), (7, 16), (1, 2000), (2001, 4000)]  # x.x5 exactly: rounded up
    got = [kpis.rate_half_up(n, d) for n, d in pairs]
    sql = real_wh.sql(
        "SELECT rate_half_up(n, d) AS r FROM (SELECT unnest($n::BIGINT[]) AS n, "
        "unnest($d::BIGINT[]) AS d)",
        {"n": [n for n, _ in pairs], "d": [d for _, d in pairs]},
    )["r"].tolist()
    assert [g is None for g in got] == [s != s or s is None for s in sql]
    assert [g for g in got if g is not None] == [s for s in sql if s == s and s is not None]
    assert kpis.rate_half_up(1, 8) == 12.5 and kpis.rate_half_up(1, 16) == 6.3  # 6.25 -> 6.3


def test_money_half_up_is_the_sql_macro(real_wh):
    pairs = [
        (p, n) for p in (0, 1, 115, -115, 99_999, 123_456_789, -7) for n in (0, 1, 2, 3, 7, 400)
    ]
    got = [kpis.money_half_up(p, n) for p, n in pairs]
    sql = real_wh.sql(
        "SELECT money_half_up(p, n)::DOUBLE AS r FROM (SELECT unnest($p::DECIMAL(14, 2)[]) "
        "AS p, unnest($n::BIGINT[]) AS n)",
        {"p": [p / 100 for p, _ in pairs], "n": [n for _, n in pairs]},
    )["r"].tolist()
    assert [g is None for g in got] == [s != s or s is None for s in sql]
    assert [g for g in got if g is not None] == [s for s in sql if s == s and s is not None]
    assert kpis.money_half_up(115, 2) == 0.58  # £1.15 ÷ 2 = £0.575: up, where floats give 0.57
    assert kpis.money_half_up(-115, 2) == -0.58 and kpis.money_half_up(5, 0) is None


MONTHLY = pd.DataFrame({
    "month": ["2017-03", "2017-04", "2017-06"],  # May has no payment: no row
    "agent_fees": [1000.10, 0.0, 20.05], "counsel_fees": [0.0, 333.33, 0.0],
    "total_spend": [1000.10, 333.33, 20.05], "agent_sessions": [7, 0, 3], "payments": [5, 1, 2],
    "cost_per_agent_session": [142.87, None, 6.68],
    "sessions": [10, 4, 6], "in_house_sessions": [3, 4, 3],
})  # fmt: skip


def test_a_periods_figures_are_worked_out_from_its_months_by_hand():
    got = kpis.summed(MONTHLY, "2017-04", "2017-06", [
        "agent_fees", "counsel_fees", "total_spend", "agent_sessions", "cost_per_agent_session",
        "payments", "months", "avg_monthly_spend", "in_house_share", "agent_share",
    ])  # fmt: skip
    assert got == {
        "agent_fees": 20.05, "counsel_fees": 333.33, "total_spend": 353.38, "agent_sessions": 3,
        "cost_per_agent_session": 6.68,  # 2005p ÷ 3 = 668.33p
        "payments": 3, "months": 2,  # April and June have rows
        "avg_monthly_spend": 176.69,  # 35338p ÷ 2 = 17669p
        "in_house_share": 70.0,  # 7 of 10
        "agent_share": 30.0,  # 3 of 10
    }  # fmt: skip
    assert kpis.summed(MONTHLY, "2017-03", "2017-03", ["avg_monthly_spend"]) == {
        "avg_monthly_spend": 1000.10
    }
    # 0.1 + 0.2 in floats is 0.30000000000000004: pounds are summed in pence
    cents = pd.DataFrame({"month": ["2017-01", "2017-02"], "total_spend": [0.1, 0.2]})
    assert kpis.summed(cents, "2017-01", "2017-02", ["total_spend"]) == {"total_spend": 0.3}


def test_a_period_past_the_trends_last_month_with_rows_is_left_to_the_period_query(monkeypatch):
    """A monthly query leaves out the months wholly after its extract was taken (`HAVING
    min(due_date) <= min(as_at)`), which the period query counts: a period ending after the last
    month with a row is not summed from the months (the tasks on time of May 2017 – April 2018,
    with the extract a month behind another, summed to 81.1% against the period query's 81.3%)."""
    due = pd.DataFrame({"month": ["2017-03", "2017-04"], "due": [10, 20], "on_time": [5, 10]})
    t = types.SimpleNamespace(first="2016-07", last="2017-06", data=due)
    asked = []

    def period_query(name, **params):
        asked.append((name, params))
        return pd.DataFrame([{"due": 31, "on_time": 16, "on_time_rate": 51.6}])

    monkeypatch.setattr(ui, "query", period_query)
    columns = ["due", "on_time", "on_time_rate"]
    monkeypatch.setattr(ui, "load_query", lambda name: types.SimpleNamespace(columns=columns))
    got = ui.period_figures(t, "tasks_on_time_for_period", "2017-03", "2017-06", crime_type="All")
    assert got == {"due": 31, "on_time": 16, "on_time_rate": 51.6}
    assert asked == [
        ("tasks_on_time_for_period", {"crime_type": "All", "start": "2017-03", "end": "2017-06"})
    ]
    # ending at the last month with a row: summed, no query
    assert ui.period_figures(t, "tasks_on_time_for_period", "2017-03", "2017-04") == {
        "due": 30,
        "on_time": 15,
        "on_time_rate": 50.0,
    }
    assert len(asked) == 1


def test_a_figure_the_months_cannot_give_is_left_to_the_period_query():
    # a rate summed, a column the months lack, a period with no month: None (the query answers)
    assert kpis.summed(MONTHLY, "2017-03", "2017-06", ["cost_per_agent_session_x"]) is None
    assert kpis.summed(MONTHLY.assign(rate=[1.5, 2.5, 3.5]), "2017-03", "2017-06", ["rate"]) is None
    assert kpis.summed(MONTHLY, "2017-05", "2017-05", ["payments"]) is None
    twice = pd.concat([MONTHLY, MONTHLY.head(1)])
    assert kpis.summed(twice, "2017-03", "2017-06", ["payments"]) is None
    # a month without the count (two trends side by side, one lacking the month): not summed as 0
    gap = MONTHLY.assign(payments=pd.array([5, None, 2], dtype="Int64"))
    assert kpis.summed(gap, "2017-03", "2017-06", ["payments"]) is None
    assert kpis.summed(gap, "2017-06", "2017-06", ["payments"]) == {"payments": 2}


PAGES = {
    "pages/agent_spend.py": ["Agent fees", "Counsel fees", "Cost per session", "Agent share"],
    "pages/court_sessions.py": ["Sessions listed", "In-house", "Agent sessions"],
    "pages/trials_witnesses.py": ["Effective trials", "Trials listed", "Witness attendance"],
    "pages/victims.py": ["Sent on time", "Letters due", "Unsent past due", "Assessed Good"],
    "pages/task_completion.py": ["On time", "Tasks due"],
    "pages/casework_quality.py": ["TSJ reviews on time", "Disclosure fully met", "Cases assessed"],
    "pages/people.py": ["By due date", "Administrative staff", "Courses due"],
}
FILTERS = [
    {},
    {"crime_type": "Burglary", "start": "2017-10", "end": "2018-03"},
    {"start": "2017-02", "end": "2017-02", "geography": "Staffordshire"},
    {"start": "2015-04", "end": "2017-03"},  # 24 months: the previous period lies before the trend
    # one month of few cases: Victims has 8 robbery letters in March 2018 and none assessed
    {"crime_type": "Robbery", "start": "2018-03", "end": "2018-03"},
]


@pytest.mark.parametrize(("page", "qp"), itertools.product(PAGES, range(len(FILTERS))))
def test_headline_figures_summed_from_the_trend_are_the_period_querys(
    open_app, monkeypatch, page, qp
):
    """Each page's headline figures and their changes, with the period figures summed from the
    trend's months, are those of the one-row period queries (`queries/*_for_period.sql`), and so
    is every figure worked out for them."""
    real, worked = ui.period_figures, []

    @functools.wraps(real)
    def checked(t, name, start, end, **params):
        got = real(t, name, start, end, **params)
        want = kpis.first_row(ui.query(name, **params, start=start, end=end))
        worked.append((name, start, end, got, want))
        return got

    derived = []
    monkeypatch.setattr(ui, "period_figures", checked)
    monkeypatch.setattr(kpis, "summed", lambda *a: derived.append(kpis_summed(*a)) or derived[-1])
    summed = metrics(open_app(page, **FILTERS[qp]))
    assert worked
    if qp == 0:  # the latest 12 months and the 12 before: both inside the trend, never queried
        assert len(derived) == len(worked) and None not in derived, (derived, worked)
    if page == "pages/casework_quality.py":  # both measures' figures, disclosure's too
        assert {w[0] for w in worked} == {
            "tsj_reviews_on_time_for_period", "disclosure_fully_met_for_period"}  # fmt: skip
    for name, start, end, got, want in worked:
        same = {k: v for k, v in got.items() if v == want.get(k) or (
            (v is None or v != v) and (want.get(k) is None or math.isnan(want[k])))}  # fmt: skip
        assert same == got and set(got) == set(want), (name, start, end, got, want)

    @functools.wraps(real)
    def by_query(t, name, start, end, **params):
        return kpis.first_row(ui.query(name, **params, start=start, end=end))

    monkeypatch.setattr(ui, "period_figures", by_query)
    queried = metrics(open_app(page, **FILTERS[qp]))
    assert summed == queried
    for label in PAGES[page]:
        assert any(k.startswith(label) for k in summed), (label, list(summed))
