"""A query that fails on a page: the page shows the plain message and carries on (issue 7).

Each page runs under AppTest over data/ with one of its queries made to fail (as a locked or
broken database would); before the fix the empty frame `ui.query` returned reached the page and
ended in a KeyError.
"""

from __future__ import annotations

import os

import duckdb
import pytest
import streamlit as st

from cjsperf.db import Warehouse
from cjsperf.headlines import literal
from tests.apptest_support import DATA, REPO

FAILURE = "simulated failure for the test"


@pytest.fixture(scope="module")
def run_failing(tmp_path_factory):
    """run_failing(page, query) → a finished AppTest of `page` in which `query` fails ("*": every
    query of the page)."""
    from streamlit.testing.v1 import AppTest

    db = tmp_path_factory.mktemp("failing") / "app.duckdb"
    saved = {k: os.environ.get(k) for k in ("CJSPERF_DATA", "CJSPERF_DB")}
    real = Warehouse.run_query

    def run(page: str, failing: str):
        def run_query(self, name, **params):
            if failing in (name, "*"):
                raise duckdb.IOException(f"{FAILURE}\nsecond line of the error")
            return real(self, name, **params)

        os.environ["CJSPERF_DATA"], os.environ["CJSPERF_DB"] = str(DATA), str(db)
        Warehouse.run_query = run_query
        try:
            st.cache_data.clear()  # no cached result may hide the failure
            at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
            at.switch_page(page)
            at.run()
            return at
        finally:
            Warehouse.run_query = real

    st.cache_resource.clear()
    st.cache_data.clear()
    yield run
    st.cache_resource.clear()
    st.cache_data.clear()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.mark.parametrize(
    ("page", "title", "failing"),
    [
        ("pages/overview.py", "Overview", "measures"),
        ("pages/conviction_rates.py", "Conviction rates", "conviction_rate_by_month"),
        ("pages/agent_spend.py", "Agent spend", "agent_spend_by_month"),
        ("pages/court_sessions.py", "Court sessions", "sessions_by_month"),
        ("pages/task_completion.py", "Task completion", "tasks_on_time_by_month"),
        ("pages/data_quality.py", "Data quality", "dq_files"),
        ("pages/people.py", "People", "training_completion_by_month"),
        ("pages/victims.py", "Victims", "vcl_letters_on_time_by_month"),
        ("pages/trials_witnesses.py", "Trials and witnesses", "trial_effectiveness_by_month"),
        ("pages/casework_quality.py", "Casework quality", "tsj_reviews_on_time_by_month"),
    ],
)
def test_a_failed_query_shows_the_message_and_the_page_carries_on(
    run_failing, page, title, failing
):
    at = run_failing(page, failing)
    assert not at.exception, [e.value for e in at.exception]
    # The plain message, once for each call of the failed query (the conviction page asks for the
    # chosen geography and for each comparison), and nothing else went wrong.
    shown = [e.value for e in at.error]
    assert shown and set(shown) == {f"This view could not be drawn ({failing}): {literal(FAILURE)}"}
    assert at.title[0].value == title


@pytest.mark.parametrize(
    "page",
    [
        "pages/overview.py",
        "pages/conviction_rates.py",
        "pages/agent_spend.py",
        "pages/court_sessions.py",
        "pages/task_completion.py",
        "pages/data_quality.py",
        "pages/people.py",
        "pages/victims.py",
        "pages/trials_witnesses.py",
        "pages/casework_quality.py",
    ],
)
def test_a_page_whose_every_query_fails_still_shows_no_exception(run_failing, page):
    at = run_failing(page, "*")
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error]
    assert shown and all(m.endswith(f": {literal(FAILURE)}") for m in shown), shown


def test_a_failed_grade_mix_says_so_and_not_that_no_letter_was_assessed(run_failing):
    """Victims: the Good share of the period comes from the monthly quality rows and the grade mix
    from its own query; when only that query fails, the page shows the failure and the tile, and
    does not say that no letter was assessed (the sample has letters assessed in every year)."""
    at = run_failing("pages/victims.py", "vcl_letter_quality_by_grade")
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error]
    assert shown == [
        f"This view could not be drawn (vcl_letter_quality_by_grade): {literal(FAILURE)}"
    ]
    assert not [i.value for i in at.info if "No letter assessed" in i.value]
    # the tile still shows the period's Good share, worked out here from the letter files: the
    # letters decided in FY 2017-18 (the default period) that were graded, and of them Good
    import glob
    from decimal import ROUND_HALF_UP, Decimal

    import pandas as pd

    files = sorted(glob.glob(str(DATA / "vcl_letters" / "*.csv*")))
    letters = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in files)
    year = letters[letters["decision_date"].between("2017-04-01", "2018-03-31")]
    graded = year[year["quality"] != ""]
    good = Decimal(100 * int((graded["quality"] == "Good").sum())) / Decimal(len(graded))
    want = f"{good.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    tile = next(m for m in at.metric if m.label == "Assessed Good")
    assert tile.value == want
