"""A period's headline figures summed from the monthly rows of its trend (issue 11: "derive a
period's summary from its monthly rows instead of a second scan"), checked against the one-row
period queries they replace, and the rate worked out in Python against the SQL macro."""

from __future__ import annotations

import functools
import itertools

import pytest

from cjsperf import kpis, ui
from tests.apptest_support import metrics


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


PAGES = {
    "pages/victims.py": ["Sent on time", "Letters due", "Unsent past due"],
    "pages/task_completion.py": ["On time", "Tasks due"],
    "pages/casework_quality.py": ["TSJ reviews on time"],
    "pages/people.py": ["By due date", "Administrative staff", "Courses due"],
}
FILTERS = [
    {},
    {"crime_type": "Burglary", "start": "2017-10", "end": "2018-03"},
    {"start": "2017-02", "end": "2017-02", "geography": "Staffordshire"},
    {"start": "2015-04", "end": "2017-03"},  # 24 months: the previous period lies before the trend
]


@pytest.mark.parametrize(("page", "qp"), itertools.product(PAGES, range(len(FILTERS))))
def test_headline_figures_summed_from_the_trend_are_the_period_querys(
    open_app, monkeypatch, page, qp
):
    """Each page's headline figures and their changes, with the period figures summed from the
    trend's months, are those of the one-row period queries (`queries/*_for_period.sql`)."""
    summed = metrics(open_app(page, **FILTERS[qp]))
    real = ui.period_figures

    @functools.wraps(real)
    def by_query(t, name, start, end, **params):
        return kpis.first_row(ui.query(name, **params, start=start, end=end))

    monkeypatch.setattr(ui, "period_figures", by_query)
    queried = metrics(open_app(page, **FILTERS[qp]))
    assert summed == queried
    for label in PAGES[page]:
        assert any(k.startswith(label) for k in summed), (label, list(summed))
