"""Shared test fixtures. Keep generic: tests build their own small data folders in tmp_path."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
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


@contextlib.contextmanager
def _run_page(data_dir: Path, db_dir: Path, page: str | None = None, timeout: float = 90):
    """An AppTest of dashboard.py over `data_dir`, with its own database file in `db_dir`, switched
    to `page` (e.g. "pages/data_quality.py"). Streamlit's caches are process-wide (the warehouse is an
    st.cache_resource), so they are cleared on entry and on exit, and CJSPERF_DATA / CJSPERF_DB are
    restored on exit: other tests never see this data folder.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    saved = {k: os.environ.get(k) for k in ("CJSPERF_DATA", "CJSPERF_DB")}
    os.environ["CJSPERF_DATA"] = str(data_dir)
    os.environ["CJSPERF_DB"] = str(Path(db_dir) / "app.duckdb")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=timeout)
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        yield at
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def run_page():
    """`with run_page(data_dir, db_dir, "pages/x.py") as at:` — see `_run_page`."""
    return _run_page
