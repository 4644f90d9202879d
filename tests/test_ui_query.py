"""`ui.query`: what a page gets when a query fails, and when a query file changes.

- A query's `-- returns:` header names its columns; on failure `ui.query` returns an empty frame
  with exactly those columns, so a page's column access works and it carries on.
- The cache key holds the query's SQL text: an edited .sql file is run again, not served stale.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
import streamlit as st

from cjsperf import queries, ui
from cjsperf.db import Warehouse
from cjsperf.queries import list_queries, load_query, returned_columns
from tests.apptest_support import DATA


# ----------------------------------------------------------------------------- header columns
@pytest.mark.parametrize(
    ("returns", "columns"),
    [
        ("month (YYYY-MM), convictions", ("month", "convictions")),
        (
            "agent_fees (£), cost (£, fees ÷ sessions, 2 dp, half-up), payments",
            ("agent_fees", "cost", "payments"),
        ),
        ("a, b and c (% of a, one decimal), d", ("a", "b", "c", "d")),
        ("x (nested (brackets, here)), y", ("x", "y")),
        ("", ()),
    ],
)
def test_returned_columns_read_the_header(returns, columns):
    assert returned_columns(returns) == columns


def test_every_query_returns_the_columns_its_header_declares(real_wh):
    for q in list_queries():
        df = real_wh.run_query(q.name)
        assert tuple(df.columns) == q.columns, q.name


# ----------------------------------------------------------------------------- failure
def test_a_failed_query_gives_an_empty_frame_with_its_declared_columns(monkeypatch, real_wh):
    def broken(self, name, **params):
        raise RuntimeError("IO Error: database is locked\nsecond line")

    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    monkeypatch.setattr(Warehouse, "run_query", broken)
    st.cache_data.clear()
    df = ui.query("conviction_rate_by_month", area="West Midlands")
    assert isinstance(df, pd.DataFrame) and len(df) == 0
    # exactly what its header declares, in order
    assert tuple(df.columns) == load_query("conviction_rate_by_month").columns
    assert list(df.columns)[:4] == ["month", "convictions", "unsuccessful", "conviction_rate"]
    # An unknown query name has no header to read: an empty frame without columns.
    assert list(ui.query("no_such_query").columns) == []
    st.cache_data.clear()


# ----------------------------------------------------------------------------- stale cache
def test_an_edited_query_file_is_run_again_not_served_from_the_cache(
    tmp_path, monkeypatch, real_wh
):
    qdir = tmp_path / "queries"
    qdir.mkdir()
    probe = qdir / "probe.sql"
    probe.write_text("-- A probe.\n-- grain: one row\n-- returns: answer\nSELECT 41 AS answer\n")
    monkeypatch.setattr(queries, "QUERIES_DIR", qdir)
    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    st.cache_data.clear()
    assert ui.query("probe")["answer"].tolist() == [41]
    # Same data version, same parameters; only the SQL text changes (mtime moved on, as an
    # editor's save does).
    probe.write_text("-- A probe.\n-- grain: one row\n-- returns: answer\nSELECT 42 AS answer\n")
    stat = probe.stat()
    os.utime(probe, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert ui.query("probe")["answer"].tolist() == [42]
    st.cache_data.clear()


def test_a_visit_syncs_only_when_a_file_the_sync_reads_has_changed(monkeypatch, tmp_path):
    """A sync that finds nothing changed costs about 0.1 s of DuckDB work on the visit that asks
    (every filter change more than SYNC_EVERY_SECONDS after the last): a visit first compares
    the files' sizes and times with those seen at the last sync, and syncs only on a change."""
    import shutil

    from tests.conftest import _app_env, _caches, _clear_st_caches

    root = tmp_path / "data"
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    syncs: list[float] = []
    real_sync = Warehouse.sync

    def counted(self, *args, **kwargs):
        syncs.append(1.0)
        return real_sync(self, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "sync", counted)
    monkeypatch.setattr(ui, "SYNC_EVERY_SECONDS", 0.0)
    with _app_env(root, root / ".cjsperf.duckdb"):
        _caches["from"] = None
        _clear_st_caches()
        try:
            ui.warehouse()
            assert len(syncs) == 1  # the first visit
            for _ in range(3):  # nothing changed (the sync itself wrote the database file)
                ui.warehouse()
            assert len(syncs) == 1
            events = root / "reference" / "events.csv"
            later = events.stat().st_mtime_ns + 5 * 10**9
            os.utime(events, ns=(later, later))  # a file the sync reads was saved again
            ui.warehouse()
            assert len(syncs) == 2
            ui.warehouse()
            assert len(syncs) == 2
        finally:
            _clear_st_caches()


# ----------------------------------------------------------------------------- kept in process
def test_a_kept_result_is_run_once_and_each_caller_gets_a_frame_of_its_own(
    tmp_path, monkeypatch, real_wh
):
    """Query results are kept in the process (issue 11: Streamlit's cache unpickled a copy on
    every hit). The query runs once; a page changing its frame changes no other caller's; and
    emptying Streamlit's cache empties this one too (a page's next visit runs it again)."""
    qdir = tmp_path / "queries"
    qdir.mkdir()
    (qdir / "probe.sql").write_text(
        "-- A probe.\n-- grain: two rows\n-- returns: answer\nSELECT unnest([41, 42]) AS answer\n"
    )
    monkeypatch.setattr(queries, "QUERIES_DIR", qdir)
    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    runs: list[str] = []
    real_run = Warehouse.run_query
    monkeypatch.setattr(
        Warehouse,
        "run_query",
        lambda self, name, **p: runs.append(name) or real_run(self, name, **p),
    )
    st.cache_data.clear()
    first = ui.query("probe")
    first["answer"] = first["answer"] * 100  # a page's own change, in place
    first.loc[0, "answer"] = -1
    second = ui.query("probe")
    assert second["answer"].tolist() == [41, 42] and runs == ["probe"]
    second.drop(index=0, inplace=True)
    assert ui.query("probe")["answer"].tolist() == [41, 42] and runs == ["probe"]
    st.cache_data.clear()
    assert ui.query("probe")["answer"].tolist() == [41, 42] and runs == ["probe", "probe"]
    st.cache_data.clear()


def test_a_started_query_still_queued_when_the_page_needs_it_runs_in_the_page(
    tmp_path, monkeypatch, real_wh
):
    """Issue 11: a page starts its queries on the query workers (`ui.start`); when the workers
    are busy with other sessions' queries, one still queued by the time the page asks for it runs
    in the page's own thread, once, rather than waiting behind theirs. One a worker has taken is
    waited for, and not run again."""
    import threading

    qdir = tmp_path / "queries"
    qdir.mkdir()
    for name, value in (("queued", 7), ("taken", 8)):
        (qdir / f"{name}.sql").write_text(
            f"-- A probe.\n-- grain: one row\n-- returns: answer\nSELECT {value} AS answer\n"
        )
    monkeypatch.setattr(queries, "QUERIES_DIR", qdir)
    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    runs: list[tuple[str, str]] = []
    real_run = Warehouse.run_query
    monkeypatch.setattr(
        Warehouse,
        "run_query",
        lambda self, name, **p: (
            runs.append((threading.current_thread().name, name)) or real_run(self, name, **p)
        ),
    )
    st.cache_data.clear()
    ui.prefetch([("taken", {}), ("queued", {})], wait=False)  # make sure the pool exists
    for future in list(ui._inflight.values()):
        future.result(timeout=30)
    st.cache_data.clear()
    runs.clear()
    release = threading.Event()
    busy = [ui._pool[0].submit(release.wait, 30) for _ in range(ui.PREFETCH_WORKERS)]
    try:
        handle = ui.start("queued")
        assert handle()["answer"].tolist() == [7]
        assert runs == [(threading.current_thread().name, "queued")]
        assert not ui._inflight  # the page took it from the queue
    finally:
        release.set()
    assert all(f.result(timeout=30) for f in busy)
    taken = ui.start("taken")
    for future in list(ui._inflight.values()):
        future.result(timeout=30)  # a worker ran it
    assert taken()["answer"].tolist() == [8]
    assert [n for _, n in runs] == ["queued", "taken"]
    assert runs[1][0].startswith(ui.PREFETCH_THREAD)
    st.cache_data.clear()


def test_a_query_taken_back_is_in_flight_while_the_page_runs_it(tmp_path, monkeypatch, real_wh):
    """Issue 11: a page waiting for the queries it started (`prefetch(wait=True)`) runs one still
    queued itself (`ui._take_back`). While it runs, the query is in flight as the page's: another
    session starting it starts nothing, and another asking for it waits for the page's result
    instead of running it again (the query left the flight when taken back, and both ran it)."""
    import threading
    import time

    qdir = tmp_path / "queries"
    qdir.mkdir()
    for name in ("probe", "other"):
        (qdir / f"{name}.sql").write_text(
            "-- A probe.\n-- grain: one row\n-- returns: answer\nSELECT 9 AS answer\n"
        )
    monkeypatch.setattr(queries, "QUERIES_DIR", qdir)
    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    st.cache_data.clear()
    ui.prefetch([("probe", {})], wait=False)  # make sure the pool exists
    for future in list(ui._inflight.values()):
        future.result(timeout=30)
    st.cache_data.clear()
    runs: list[tuple[str, str]] = []
    started_again: list[int] = []
    asked: list = []
    real_run = Warehouse.run_query

    def run_query(self, name, **p):
        runs.append((threading.current_thread().name, name))
        if name == "probe" and not started_again:  # while this page runs it, other sessions
            started_again.append(ui.prefetch([("probe", {})], wait=False))
            asker = threading.Thread(target=lambda: asked.append(ui.query("probe")))
            asker.start()
            asked.append(asker)
            time.sleep(0.3)  # the other session asks while the page still runs it
        return real_run(self, name, **p)

    monkeypatch.setattr(Warehouse, "run_query", run_query)
    release = threading.Event()
    busy = [ui._pool[0].submit(release.wait, 30) for _ in range(ui.PREFETCH_WORKERS)]
    try:
        assert ui.prefetch([("probe", {}), ("other", {})], wait=True) == 2
    finally:
        release.set()
    assert all(f.result(timeout=30) for f in busy)
    asked[0].join(timeout=30)
    assert started_again == [0]
    assert asked[1]["answer"].tolist() == [9]
    here = threading.current_thread().name
    assert runs == [(here, "probe"), (here, "other")]  # each once, both in the page's thread
    assert not ui._inflight
    st.cache_data.clear()


def test_no_full_garbage_collection_after_each_run_and_start_up_objects_frozen(open_app):
    """Issue 11: Streamlit's full collection after every run held Python's lock for 131 ms on a
    warm dashboard process (.streamlit/config.toml turns it off), and what the warehouse's start
    leaves alive (the imported modules alone are over 100,000 objects) is frozen out of later
    collections."""
    import gc
    import tomllib

    from streamlit import config

    from tests.apptest_support import DATA

    with open(DATA.parent / ".streamlit" / "config.toml", "rb") as fh:
        assert tomllib.load(fh)["runner"]["postScriptGC"] is False
    open_app(None)
    assert config.get_option("runner.postScriptGC") is False
    assert gc.get_freeze_count() > 100_000


def test_the_registry_and_events_are_read_once_per_load_and_again_after_a_failure(
    monkeypatch, real_wh
):
    """The measure registry and the events only change with a new load of the data: a filter
    change, or Streamlit's cache emptied, does not read them again (an uncached Overview rerun
    spent ~30 ms on them); a read that failed is tried again on the next run."""
    monkeypatch.setattr(ui, "_warehouse", lambda: real_wh)
    monkeypatch.setattr(real_wh, "_kept", {})  # nothing kept from other tests
    runs: list[str] = []
    failing: set[str] = set()
    real_run = Warehouse.run_query

    def run(self, name, **params):
        runs.append(name)
        if name in failing:
            raise RuntimeError("IO Error: could not read")
        return real_run(self, name, **params)

    monkeypatch.setattr(Warehouse, "run_query", run)
    st.cache_data.clear()
    failing.add("events")
    assert ui.events() == ()  # failed: its message shown, nothing kept
    failing.clear()
    st.cache_data.clear()
    found = ui.events()
    # the two events of data/reference/events.csv, in date order
    assert [e.label for e in found][:1] == ["Operational Delivery Plan launched"]
    assert len(found) == 2 and runs == ["events", "events"]
    reg = ui.measure_registry()
    assert "conviction_rate" in reg
    for _ in range(2):
        st.cache_data.clear()
        assert ui.events() == found and ui.measure_registry() == reg
    assert runs == ["events", "events", "measures"]
    st.cache_data.clear()


def test_text_columns_are_str_held_as_python_strings(real_wh):
    """The dashboard's frames hold text as pandas' "str" dtype in Python objects (`cjsperf`
    sets it for the process): with Arrow, converting the strings of small frames back and forth
    took a quarter of a page run's samples. The values and missing value are pandas' "str"'s."""
    df = real_wh.run_query("force_areas")
    col = df["force_area"]
    assert col.dtype == "str" and col.dtype.storage == "python"
    assert "West Midlands" in set(col) and col.dtype.na_value != col.dtype.na_value  # NaN
    made = pd.DataFrame({"month": ["2017-04", None]})["month"]
    assert made.dtype.storage == "python" and made.isna().tolist() == [False, True]
