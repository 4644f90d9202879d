"""Shared test fixtures. Keep generic: tests build their own small data folders in tmp_path.

Helpers for reading an AppTest run of a page are in tests/apptest_support.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from tests.apptest_support import DATA, REPO

REAL_CASE_OUTCOMES = DATA / "case_outcomes"  # the 45 published CPS files (read only)


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory) -> Path:
    """A private copy of the real case outcomes and the reference lists, and nothing else.

    Copied so that tests neither see nor disturb whatever else is in data/ (sample extracts,
    the persisted database).
    """
    root = tmp_path_factory.mktemp("real_data")
    shutil.copytree(REAL_CASE_OUTCOMES, root / "case_outcomes", ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    return root


@pytest.fixture(scope="session")
def real_wh(real_data_dir):
    """An in-memory warehouse loaded from `real_data_dir`; shared, so treat it as read only."""
    from cjsperf.db import Warehouse

    wh = Warehouse(real_data_dir, db_path=None)
    wh.sync()
    yield wh
    wh.close()


# Where Streamlit's process-wide caches (the warehouse is an st.cache_resource) were last filled
# from by `open_app`: its (data folder, database), or None when they may hold another folder's.
_caches: dict[str, tuple[str, str] | None] = {"from": None}


def _clear_st_caches() -> None:
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


@contextlib.contextmanager
def _app_env(data_dir: Path, db_path: Path):
    """CJSPERF_DATA / CJSPERF_DB set to these for the block, then put back as they were."""
    saved = {k: os.environ.get(k) for k in ("CJSPERF_DATA", "CJSPERF_DB")}
    os.environ["CJSPERF_DATA"] = str(data_dir)
    os.environ["CJSPERF_DB"] = str(db_path)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_app(page: str | None, params: dict, timeout: float):
    """dashboard.py opened as from a link with these query parameters, on `page` (None: the
    default page), after one run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=timeout)
    at.query_params.update(params)
    if page:
        at.switch_page(page)
    at.run()
    return at


@contextlib.contextmanager
def _run_page(data_dir: Path, db_dir: Path, page: str | None = None, timeout: float = 90):
    """An AppTest of dashboard.py over `data_dir`, with its own database file in `db_dir`, switched
    to `page` (e.g. "pages/data_quality.py"). Streamlit's caches are process-wide, so they are
    cleared on entry and on exit, and CJSPERF_DATA / CJSPERF_DB are restored on exit: other tests
    never see this data folder.
    """
    with _app_env(data_dir, Path(db_dir) / "app.duckdb"):
        _caches["from"] = None
        _clear_st_caches()
        try:
            yield _run_app(page, {}, timeout)
        finally:
            _clear_st_caches()


@pytest.fixture(scope="session")
def run_page():
    """`with run_page(data_dir, db_dir, "pages/x.py") as at:` — see `_run_page`."""
    return _run_page


@pytest.fixture(scope="session")
def open_app(tmp_path_factory):
    """`open_app(page, **query_params)` → a finished AppTest run of `page` (None: the Overview,
    the default page) opened as from a link, over data/, having shown no exception and no error.

    One database file for the whole session, so data/ is ingested once, not once per page module.
    CJSPERF_DATA / CJSPERF_DB are set only while the page runs. Streamlit's caches are cleared
    before a run if they were last filled from another data folder (`run_page`), and at the end.
    """
    source = (str(DATA), str(tmp_path_factory.mktemp("app_db") / "app.duckdb"))

    def open_app(page: str | None, /, **params):
        with _app_env(*source):
            if _caches["from"] != source:
                _clear_st_caches()
                _caches["from"] = source
            at = _run_app(page, params, timeout=90)
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        return at

    yield open_app
    if _caches["from"] == source:
        _clear_st_caches()
        _caches["from"] = None
