"""Build once, serve many: `python -m cjsperf build` and read-only replicas (CJSPERF_READ_ONLY=1).

* The swap: a replica holds one connection per build of the database file; a query in flight on
  the old build completes while the builder replaces the file, the next query sees the new build,
  and the old connection is closed once its last query ends. (Databases made here with DuckDB
  directly: a table of n rows, so the expected counts are the n the test wrote.)
* `build_database` / `python -m cjsperf build` on a copy of the real case outcomes: the rows it
  reports are the data lines of the CSV files, counted here with the csv module; an unchanged data
  folder keeps its build; a removed file makes a new build with that file's lines fewer.
* Two `streamlit run` servers on one built file (marked `browser`, like tests/test_browser.py, so CI
  runs it; no browser needed): both answer /healthz with the same build and row counts, and both
  move to the new build within seconds of a rebuild, with no failed request meanwhile.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from cjsperf import db as db_module
from cjsperf.__main__ import main
from cjsperf.db import Warehouse, WarehouseUnavailable, build_database
from cjsperf.extracts import EXTRACTS
from tests.server_support import dashboard, get

REPO = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- the swap
def _write_build(path: Path, n: int, build: str) -> None:
    """A database file as `build` leaves it, with a table t of n rows (0..n-1), renamed into
    place as the builder does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('build', ?), ('built_at', 'then')", [build])
    con.execute("CREATE TABLE stage_counts (extract VARCHAR PRIMARY KEY, lines BIGINT)")
    con.execute("INSERT INTO stage_counts VALUES ('tasks', ?)", [n])
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(?)", [n])
    con.close()
    os.replace(tmp, path)


def _closed(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False


def test_query_in_flight_finishes_on_old_build_next_sees_new_old_closed_after(tmp_path):
    db = tmp_path / "served.duckdb"
    _write_build(db, 10, "first")
    wh = Warehouse(tmp_path, db_path=db, read_only=True)
    assert wh.version == "first"
    assert wh.sql("SELECT count(*) AS n FROM t")["n"].iloc[0] == 10
    with wh._connection() as old_con:  # a query in flight on the first build
        _write_build(db, 20, "second")
        assert wh.refresh() is True
        assert wh.version == "second"
        assert wh.sql("SELECT count(*) AS n FROM t")["n"].iloc[0] == 20  # the next query: new
        # the query in flight still reads its own build (0..9 sum to 45)
        assert old_con.cursor().execute("SELECT sum(x) FROM t").fetchone()[0] == 45
        assert not _closed(old_con)
    assert _closed(old_con)  # retired when its last query ended
    assert wh.build_info() == {"build": "second", "built_at": "then", "rows": {"tasks": 20}}
    assert wh.refresh() is False  # same file: nothing to do
    wh.close()


def test_each_build_a_replica_opens_runs_queries_on_the_pages_threads(tmp_path, monkeypatch):
    """A replica's pages run their queries QUERY_WORKERS at a time, and DuckDB's threads make up
    the rest of the cores: 4 cores and 2 workers give 3 threads, on the first build and on the
    next it opens."""
    monkeypatch.setattr(db_module, "CORES", 4)
    monkeypatch.setattr(db_module, "QUERY_WORKERS", 2)
    db = tmp_path / "served.duckdb"
    _write_build(db, 10, "first")
    wh = Warehouse(tmp_path, db_path=db, read_only=True)
    setting = "SELECT current_setting('threads') AS n"
    assert wh.sql(setting)["n"].iloc[0] == 3
    monkeypatch.setattr(db_module, "CORES", 6)
    _write_build(db, 20, "second")
    assert wh.refresh() is True and wh.version == "second"
    assert wh.sql(setting)["n"].iloc[0] == 5
    wh.close()


def test_slow_query_in_another_thread_completes_across_a_swap(tmp_path):
    db = tmp_path / "served.duckdb"
    _write_build(db, 1000, "first")
    wh = Warehouse(tmp_path, db_path=db, read_only=True)
    old_con = wh.con
    got = {}
    # rows of t (1000) times 3 million: long enough to be running while the file is replaced
    slow = "SELECT count(*) AS n FROM t, range(3000000) r WHERE r.range % 1000 = t.x"

    def run():
        try:
            got["n"] = int(wh.sql(slow)["n"].iloc[0])
        except Exception as exc:  # reported by the assert below
            got["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while wh._build.users == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    _write_build(db, 7, "second")
    assert wh.refresh() is True
    assert wh.sql("SELECT count(*) AS n FROM t")["n"].iloc[0] == 7
    thread.join(60)
    # every r in 0..2,999,999 matches exactly one x in 0..999: 3,000,000 rows
    assert got == {"n": 3_000_000}
    assert _closed(old_con)
    wh.close()


def test_read_only_without_a_file_says_to_build(tmp_path):
    with pytest.raises(WarehouseUnavailable, match="python -m cjsperf build"):
        Warehouse(tmp_path, db_path=tmp_path / "missing.duckdb", read_only=True)


def test_read_only_never_writes(tmp_path):
    db = tmp_path / "served.duckdb"
    _write_build(db, 3, "first")
    wh = Warehouse(tmp_path, db_path=db, read_only=True)
    assert wh.sync().changed_extracts == []  # a replica never ingests
    with pytest.raises(duckdb.Error):
        wh.sql("INSERT INTO t VALUES (99)")
    assert wh.sql("SELECT count(*) AS n FROM t")["n"].iloc[0] == 3
    wh.close()


def test_health_is_503_without_a_database_and_reports_the_build_with_one(tmp_path, monkeypatch):
    import streamlit as st

    from cjsperf import ui

    db = tmp_path / "served.duckdb"
    monkeypatch.setenv("CJSPERF_READ_ONLY", "1")
    monkeypatch.setenv("CJSPERF_DB", str(db))
    monkeypatch.setattr(ui, "SYNC_EVERY_SECONDS", 0.0)
    st.cache_resource.clear()
    try:
        status, body = ui.health()
        assert (status, body["status"], body["read_only"]) == (503, "unavailable", True)
        assert "run `python -m cjsperf build` first" in body["error"]
        _write_build(db, 5, "b1")
        status, body = ui.health()
        assert (status, body["build"], body["rows"]) == (200, "b1", {"tasks": 5})
        _write_build(db, 8, "b2")
        status, body = ui.health()
        assert (status, body["build"], body["rows"]) == (200, "b2", {"tasks": 8})
        assert ui.warehouse().version == "b2"  # what the cached queries are keyed on
    finally:
        st.cache_resource.clear()  # later tests get a warehouse of their own folder


# ----------------------------------------------------------------------------- build
def _file_lines(path: Path) -> int:
    """Data lines (not the header) of a CSV file, read with the csv module."""
    with path.open(newline="") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def _data_lines(folder: Path) -> int:
    return sum(_file_lines(p) for p in folder.rglob("*.csv"))


@pytest.fixture
def data_dir(tmp_path, real_data_dir):
    """The real case outcomes of 2017 and 2018 and the reference lists (fewer files: quicker)."""
    root = tmp_path / "data"
    (root / "case_outcomes").mkdir(parents=True)
    for year in ("2017", "2018"):
        shutil.copytree(real_data_dir / "case_outcomes" / year, root / "case_outcomes" / year)
    shutil.copytree(real_data_dir / "reference", root / "reference")
    return root


def test_build_reports_rows_keeps_an_unchanged_build_and_makes_a_new_one(data_dir, tmp_path):
    db = tmp_path / "built" / "dash.duckdb"
    db.parent.mkdir()
    lines = _data_lines(data_dir / "case_outcomes")
    # 9 months of 2017 (April to June were not published) and 3 of 2018; National and 42 forces
    assert lines == 12 * 43

    first = build_database(data_dir, db)
    rows = first.summary.set_index("extract")["rows_loaded"]
    assert first.replaced and rows["case_outcomes"] == lines
    assert len(first.problems) == 0

    again = build_database(data_dir, db)
    assert (again.replaced, again.build) == (False, first.build)

    gone = data_dir / "case_outcomes" / "2018" / "Principal_Offence_Category_Mar.csv"
    gone_lines = _file_lines(gone)
    gone.unlink()
    third = build_database(data_dir, db)
    assert third.replaced and third.build != first.build
    assert third.summary.set_index("extract")["rows_loaded"]["case_outcomes"] == lines - gone_lines
    # only the database is left in its folder: no copy, no link, no write-ahead log
    assert sorted(p.name for p in db.parent.iterdir()) == ["dash.duckdb"]
    served = Warehouse(data_dir, db_path=db, read_only=True)
    assert served.build_info()["build"] == third.build
    assert served.build_info()["rows"]["case_outcomes"] == lines - gone_lines
    served.close()


def test_build_command_without_a_data_folder_exits_1_quietly(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "cjsperf", "build", str(tmp_path / "nowhere")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "CJSPERF_DB": str(tmp_path / "x.duckdb")},
    )
    assert out.returncode == 1
    assert out.stderr.strip() == f"No data folder at {tmp_path / 'nowhere'}"
    assert "Traceback" not in out.stderr + out.stdout


# ----------------------------------------------------------------------------- two servers
@contextlib.contextmanager
def _replica(db: Path, log: Path):
    """`streamlit run dashboard.py` read-only on db; yields its base URL once /healthz says ok."""
    env = {"CJSPERF_DB": str(db), "CJSPERF_READ_ONLY": "1"}  # a replica needs no data folder
    with dashboard(env, log, ready="/healthz", what="a replica") as base:
        yield base


def _build_cli(data_dir: Path, db: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "cjsperf", "build", str(data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "CJSPERF_DB": str(db)},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.browser
def test_two_replicas_serve_one_build_and_move_to_the_next_together(data_dir, tmp_path):
    db = tmp_path / "served" / "dash.duckdb"
    db.parent.mkdir()
    lines = _data_lines(data_dir / "case_outcomes")
    printed = _build_cli(data_dir, db)
    first = printed.split(" build ")[1].split()[0]
    assert f"case_outcomes 12 files {lines} rows 0 rejected" in " ".join(printed.split())
    with (
        _replica(db, tmp_path / "a.log") as a,
        _replica(db, tmp_path / "b.log") as b,
    ):
        for base in (a, b):
            status, body = get(f"{base}/healthz")
            health = json.loads(body)
            assert status == 200 and health["read_only"] is True
            assert health["build"] == first
            assert health["rows"]["case_outcomes"] == lines
        # While both serve, hammer both (health reads the database; / serves the app) and rebuild.
        failures, seen, stop = [], {a: [], b: []}, threading.Event()

        def hammer(base: str) -> None:
            while not stop.is_set():
                for path in ("/healthz", "/"):
                    try:
                        status, body = get(base + path)
                    except OSError as exc:
                        failures.append((base, path, repr(exc)))
                        continue
                    if status != 200:
                        failures.append((base, path, status, body[:200]))
                    elif path == "/healthz":
                        seen[base].append((time.monotonic(), json.loads(body)))
                time.sleep(0.05)

        threads = [threading.Thread(target=hammer, args=(x,)) for x in (a, b)]
        for t in threads:
            t.start()
        gone = data_dir / "case_outcomes" / "2018" / "Principal_Offence_Category_Mar.csv"
        gone_lines = _file_lines(gone)
        try:
            gone.unlink()
            _build_cli(data_dir, db)
            replaced = time.monotonic()
            deadline = replaced + 15
            while time.monotonic() < deadline:
                if all(s and s[-1][1]["build"] != first for s in seen.values()):
                    break
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        assert failures == []
        for base in (a, b):
            when, health = seen[base][-1]
            assert health["build"] != first
            assert health["rows"]["case_outcomes"] == lines - gone_lines
            moved = next(t for t, h in seen[base] if h["build"] != first)
            assert moved - replaced < 5, f"{base} took {moved - replaced:.1f} s to move"
        assert seen[a][-1][1]["build"] == seen[b][-1][1]["build"]
        assert seen[a][-1][1]["pid"] != seen[b][-1][1]["pid"]


def test_build_command_prints_one_aligned_row_per_extract(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CJSPERF_DB", str(tmp_path / "aligned.duckdb"))
    assert main(["build", str(data_dir)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert [r.split()[0] for r in rows] == [e.name for e in EXTRACTS]
    # every row's counts start in the same column, however long the extract's name
    # (disclosure_assessments is 22 characters)
    assert len({r.index(" files") for r in rows}) == 1
    case = next(r for r in rows if r.split()[0] == "case_outcomes")
    assert case.split()[3] == f"{12 * 43:,}"  # 12 published months of 2017-18, 43 rows each
