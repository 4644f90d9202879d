"""Files read straight into typed columns give what the text layer gives.

A file that parses cleanly with the contract's types (its dates as DATE) and passes every check is
staged from that typed read, without the text layer (`Warehouse._read_typed`); a file with any
problem is read as text and every bad line is reported as before. These tests hold the two paths
side by side: the same data folder synced with the typed read switched off (every file through the
text layer) must give the same staged rows, problems, line numbers and summary, and the problems of
a hand-made file are the ones written out by hand below.
"""

from __future__ import annotations

import csv
import gzip
import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cjsperf.db import Warehouse, repeat_key, repeat_key_columns, without_repeat_rule
from cjsperf.extracts import EXTRACTS, TEAMS
from cjsperf.extracts import TASKS as TASKS_EXTRACT
from tests.test_ingest import (
    SESSIONS_HEADER,
    T4,
    T6,
    TASKS_HEADER,
    make_base,
    write,
)

OCT = "tasks/tasks_2017_10.csv"
NOV = "tasks/tasks_2017_11.csv"
# November's file, by hand: two good lines (T4, T6) and four bad ones.
NOV_LINES = [
    TASKS_HEADER,
    T4,  # line 2
    "T7,RASSO,Case review,Robbery,2017-13-01,2017-11-20,",  # line 3: no 13th month
    "T8,Nobody,Case review,Robbery,2017-11-02,2017-11-03,",  # line 4: no such team
    "T4,RASSO,Case review,Robbery,2017-11-02,2017-11-03,",  # line 5: T4 again (line 2)
    T6,  # line 6
    "T9,RASSO,Case review,Robbery,2017-11-05,2017-11-01,",  # line 7: due before created
]
NOV_PROBLEMS = [
    (NOV, 3, "created_date", "2017-13-01", "a real date as YYYY-MM-DD, e.g. 2017-10-02"),
    (NOV, 4, "team", "Nobody", "one of: " + "; ".join(TEAMS)),
    (NOV, 5, "task_id", "T4", f"each task id once; already at {NOV} line 2"),
    (NOV, 7, "due_date", "2017-11-01", "a due date on or after created_date 2017-11-05"),
]
SESSIONS_NOV = "court_sessions/court_sessions_2017_11.csv.gz"
SESSIONS_NOV_LINES = [
    SESSIONS_HEADER,
    "S4,2017-11-01,Warwick Crown Court,Crown Court,AM,Trial,In-house",
    "S5, 2017-11-1 ,Warwick Crown Court,Crown Court,PM,Remand,Agent",  # spaces, one digit
]


def _text_only(monkeypatch):
    """Switch the typed read off: every file goes through the text layer (the old path)."""
    monkeypatch.setattr(Warehouse, "_read_typed", lambda self, *args: None)


def _snapshot(wh: Warehouse) -> dict:
    """Everything a user or a page can see of the load, in a fixed order."""
    out = {}
    for e in EXTRACTS:
        df = wh.sql(f"SELECT * FROM stg_{e.name}")
        out[e.name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    out["problems"] = wh.problems()
    out["summary"] = wh.summary().drop(columns="last_changed")
    out["load_files"] = wh.sql(
        "SELECT extract, file, encoding, rows_read, status, fields FROM load_files ORDER BY file"
    )
    out["stage_counts"] = wh.sql("SELECT * FROM stage_counts ORDER BY extract")
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k], check_dtype=True, obj=k)


def _day(value) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _layers(wh: Warehouse) -> dict[str, str]:
    df = wh.sql("SELECT file, layer FROM load_files WHERE extract IN ('tasks', 'court_sessions')")
    return dict(zip(df.file, df.layer, strict=True))


@pytest.fixture
def folder(tmp_path) -> Path:
    root = make_base(tmp_path / "data")
    write(root, NOV, NOV_LINES)
    (root / SESSIONS_NOV).write_bytes(gzip.compress("\n".join(SESSIONS_NOV_LINES).encode() + b"\n"))
    return root


def test_a_clean_file_and_a_file_with_bad_lines_stage_as_through_the_text_layer(
    folder, monkeypatch
):
    typed = Warehouse(folder, db_path=None)
    typed.sync()
    # the clean files were read into typed columns, the one with bad lines as text
    assert _layers(typed) == {
        OCT: "typed",
        NOV: "text",
        "court_sessions/court_sessions_2017_10.csv": "typed",
        SESSIONS_NOV: "typed",
    }
    fast = _snapshot(typed)

    _text_only(monkeypatch)
    text = Warehouse(folder, db_path=None)
    text.sync()
    assert set(_layers(text).values()) == {"text"}
    _assert_same(fast, _snapshot(text))

    # and both are what the files say, worked out by hand
    p = fast["problems"]
    p = p[p.extract == "tasks"]
    got = [(r.file, int(r.line), r.column, r.value, r.expected) for r in p.itertuples()]
    assert got == NOV_PROBLEMS
    assert list(p.record) == [NOV_LINES[i] for i in (2, 3, 4, 6)]  # each line as written
    tasks = fast["tasks"]
    rows = [
        (r.file, int(r.line), r.task_id, r.team, _day(r.created_date), _day(r.due_date),
         _day(r.completed_date))
        for r in tasks.sort_values(["file", "line"]).itertuples()
    ]  # fmt: skip
    assert rows == [
        (OCT, 2, "T1", "RASSO", date(2017, 10, 2), date(2017, 10, 9), date(2017, 10, 5)),
        (OCT, 3, "T2", "Complex Casework", date(2017, 10, 3), date(2017, 10, 10), None),
        (OCT, 4, "T3", "Crown Court Unit Stoke", date(2017, 10, 4), date(2017, 10, 5),
         date(2017, 10, 5)),
        (NOV, 2, "T4", "Magistrates' Court Unit Birmingham", date(2017, 11, 1),
         date(2017, 11, 2), None),
        (NOV, 6, "T6", "RASSO", date(2017, 11, 3), date(2017, 11, 10), date(2017, 11, 4)),
    ]  # fmt: skip
    sessions = fast["court_sessions"]
    s5 = sessions[sessions.session_id == "S5"].iloc[0]
    assert (s5.file, int(s5.line), _day(s5.session_date)) == (SESSIONS_NOV, 3, date(2017, 11, 1))
    summary = fast["summary"].set_index("extract")
    assert (summary.loc["tasks", "rows_loaded"], summary.loc["tasks", "rows_rejected"]) == (5, 4)
    assert summary.loc["court_sessions", "rows_loaded"] == 5


# Dates as they may be written, and what the text layer's parse_date reads (None: not a date).
# The typed reader must read each one as that, or refuse the file (which then goes to the text
# layer): it may never read a date the text layer would not, or read another one.
DATES = {
    "2017-10-02": date(2017, 10, 2),
    " 2017-10-02": date(2017, 10, 2),
    "2017-10-02 ": date(2017, 10, 2),
    "2017-10-2": date(2017, 10, 2),
    "2017-1-02": date(2017, 1, 2),
    "\t2017-10-02": date(2017, 10, 2),
    "2016-02-29": date(2016, 2, 29),
    "2017-02-29": None,
    "2017-13-01": None,
    "2017-10-32": None,
    "2017-00-10": None,
    "2017/10/02": None,
    "02/10/2017": None,
    "20171002": None,
    "2017-10-02 00:00:00": None,
    "2017-10-02T00:00": None,
    "2017-10-02x": None,
    "+2017-10-02": None,
    "2017-10": None,
    "10000-01-01": None,
    "\u00a02017-10-02": date(2017, 10, 2),  # a no-break space: trim() drops it
}


@pytest.mark.parametrize("written", list(DATES), ids=[repr(d) for d in DATES])
def test_a_date_the_typed_reader_accepts_is_the_text_layers_date(tmp_path, written):
    root = make_base(tmp_path / "data")
    path = root / NOV
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(TASKS_HEADER.split(","))
        w.writerow(["T4", "RASSO", "Case review", "Robbery", written, "2017-11-20", ""])
    wh = Warehouse(root, db_path=None)
    mapping, _ = wh._check_file(TASKS_EXTRACT, path, NOV)
    rows = wh._read_typed(TASKS_EXTRACT, path, NOV, mapping, wh.con)
    if rows is not None:  # read as a date: the same date
        table = wh._typed[("tasks", NOV)]
        (got,) = wh.con.execute(f"SELECT created_date FROM {table}").fetchall()[0]
        assert DATES[written] is not None
        assert got == DATES[written]
        wh.con.execute(f"DROP TABLE {wh._typed.pop(('tasks', NOV))}")
    # either way, the sync stages it as the text layer does
    wh.sync()
    want = DATES[written]
    done = wh.sql("SELECT created_date FROM stg_tasks WHERE task_id = 'T4'").created_date
    problems = wh.problems()
    if want is None:
        assert done.empty
        assert list(problems.value) == [written]
        assert _layers(wh)[NOV] == "text"
    else:
        assert [_day(d) for d in done] == [want]
        # the file is named for November 2017: a date more than 31 days before it is a warning
        # (2017-01-02, 2016-02-29), one within them is not (2017-10-02, 30 days before)
        before = want < date(2017, 10, 1)
        assert [(p.severity, p.file, p.column, p.value) for p in problems.itertuples()] == (
            [("warning", NOV, "created_date", "1 of 1 rows dated more than 31 days before "
              f"2017-11-01 (the earliest {want})")] if before else []
        )  # fmt: skip


def test_a_repeat_across_files_sends_both_files_to_the_text_layer(folder, tmp_path):
    wh = Warehouse(folder, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _layers(wh)[OCT] == "typed"
    # a December file repeats October's T2: October keeps it, December's line is the repeat
    dec = "tasks/tasks_2017_12.csv"
    write(folder, dec, [TASKS_HEADER, "T2,RASSO,Case review,Robbery,2017-12-01,2017-12-05,"])
    wh.sync()
    layers = _layers(wh)
    assert (layers[OCT], layers[dec]) == ("text", "text")
    df = wh.problems()
    got = [(r.file, int(r.line), r.value, r.expected) for r in df.itertuples()
           if r.extract == "tasks" and r.file == dec]  # fmt: skip
    assert got == [(dec, 2, "T2", f"each task id once; already at {OCT} line 3")]
    t2 = wh.sql("SELECT file, line, team FROM stg_tasks WHERE task_id = 'T2'")
    assert [tuple(r) for r in t2.itertuples(index=False)] == [(OCT, 3, "Complex Casework")]
    # December removed: October's lines load as before, and it is read typed again when touched
    os.remove(folder / dec)
    wh.sync()
    assert wh.problems()[lambda d: d.extract == "tasks"].file.tolist() == [NOV] * 4
    st = (folder / OCT).stat()
    os.utime(folder / OCT, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    wh.sync()
    assert _layers(wh)[OCT] == "typed"
    assert sorted(wh.sql("SELECT task_id FROM stg_tasks").task_id) == ["T1", "T2", "T3", "T4", "T6"]
    wh.close()


def test_every_repeat_key_is_a_staged_column(tmp_path):
    """The cross-file check reads a typed file's keys from stg_<extract> by the names the
    staging query's `repeated` gives them."""
    wh = Warehouse(make_base(tmp_path / "data"), db_path=None)
    wh.sync()
    checked = 0
    for e in EXTRACTS:
        if not wh._typed_eligible(e):
            continue
        names = repeat_key_columns(Path(f"queries/staging/{e.name}.sql").read_text())
        cols = set(wh.sql(f"SELECT * FROM stg_{e.name} LIMIT 0").columns)
        assert set(names) <= cols, e.name
        checked += 1
    assert checked == 8  # every extract but case outcomes and flagged outcomes


@pytest.mark.parametrize("one_query", [True, False], ids=["staged together", "each alone"])
def test_two_new_files_sharing_a_key_stage_as_through_the_text_layer(
    folder, monkeypatch, one_query
):
    """Read in one sync, a September file and October's share T1: September comes first in
    path order, so October's T1 is the repeat, as the text layer says; whether the typed files
    are staged by one query or each by its own (cjsperf.db.STAGE_ROWS)."""
    if not one_query:
        monkeypatch.setattr("cjsperf.db.STAGE_ROWS", 1)
        monkeypatch.setattr("cjsperf.db.KEEP_CHECK_ROWS", 1)
    sept = "tasks/tasks_2017_09.csv"
    write(folder, sept, [TASKS_HEADER, "T1,RASSO,Correspondence,Robbery,2017-09-28,2017-10-02,"])
    typed = Warehouse(folder, db_path=None)
    typed.sync()
    layers = _layers(typed)
    assert (layers[sept], layers[OCT], layers[SESSIONS_NOV]) == ("text", "text", "typed")
    fast = _snapshot(typed)
    _text_only(monkeypatch)
    text = Warehouse(folder, db_path=None)
    text.sync()
    _assert_same(fast, _snapshot(text))
    p = fast["problems"]
    got = [(r.file, int(r.line), r.value, r.expected) for r in p.itertuples() if r.file == OCT]
    assert got == [(OCT, 2, "T1", f"each task id once; already at {sept} line 2")]
    t1 = fast["tasks"][lambda d: d.task_id == "T1"]
    assert [(r.file, r.task_type) for r in t1.itertuples()] == [(sept, "Correspondence")]


# ---------------------------------------------------------------- a typed file changed in places
# November's tasks, all clean (read into typed columns): lines 2-8. With 2 lines a block (line // 2)
# the blocks are {2, 3}, {4, 5}, {6, 7} and {8}.
CLEAN_NOV = [
    TASKS_HEADER,
    "T10,RASSO,Case review,Robbery,2017-11-01,2017-11-06,2017-11-03",
    "T11,Complex Casework,Disclosure,Fraud And Forgery,2017-11-02,2017-11-09,",
    "T12,Crown Court Unit Stoke,Victim letter,Burglary,2017-11-03,2017-11-04,2017-11-04",
    "T13,RASSO,Correspondence,Sexual Offences,2017-11-06,2017-11-13,2017-11-07",
    "T14,Complex Casework,Case review,Robbery,2017-11-07,2017-11-14,",
    "T15,Magistrates' Court Unit Birmingham,Court result,Burglary,2017-11-08,2017-11-09,",
    "T16,RASSO,Case review,Robbery,2017-11-09,2017-11-16,2017-11-10",
]
T13_MOVED = "T13,Complex Casework,Correspondence,Sexual Offences,2017-11-06,2017-11-13,2017-11-07"
# scenario: (November's lines after the change, lines staged again, November's task problems)
CHANGES = {
    # T13's team (line 5): its block, lines 4 and 5
    "one value": (CLEAN_NOV[:4] + [T13_MOVED] + CLEAN_NOV[5:], 2, []),
    # two lines at the end: the block of line 8 (now 8 and 9) and the new {10}
    "lines added": (CLEAN_NOV + ["T17,RASSO,Case review,Robbery,2017-11-10,2017-11-17,",
                                 "T18,RASSO,Case review,Robbery,2017-11-10,2017-11-17,"], 3, []),
    # lines 2 and 6 swap their ids: the blocks {2, 3} and {6, 7} are staged again, no repeat
    "ids swapped": ([TASKS_HEADER, CLEAN_NOV[1].replace("T10", "T14"), *CLEAN_NOV[2:5],
                     CLEAN_NOV[5].replace("T14", "T10"), *CLEAN_NOV[6:]], 4, []),
    # line 8 gone: its block is gone, nothing to stage, T16 is no more
    "last line removed": (CLEAN_NOV[:-1], 0, []),
    # a bad value: the file goes to the text layer, every line of it staged and checked
    "bad date": (CLEAN_NOV[:4] + [T13_MOVED.replace("2017-11-06", "2017-13-06")] + CLEAN_NOV[5:],
                 7, [(NOV, 5, "created_date", "2017-13-06",
                      "a real date as YYYY-MM-DD, e.g. 2017-10-02")]),
    # line 7 takes line 2's id (an unchanged block): the repeat is line 7, as a full build says
    "repeat within the file": (CLEAN_NOV[:6] + [CLEAN_NOV[6].replace("T15", "T10")] + CLEAN_NOV[7:],
                               7, [(NOV, 7, "task_id", "T10",
                                    f"each task id once; already at {NOV} line 2")]),
    # line 4 takes October's T2: October keeps it; both files go to the text layer, and
    # November's 7 lines and October's 3 are staged (October was kept as read: its lines leave
    # the view over the kept files, so all of them are staged from the text layer)
    "repeat of another file's id": (CLEAN_NOV[:3] + [CLEAN_NOV[3].replace("T12", "T2")]
                                    + CLEAN_NOV[4:], 7 + 3,
                                    [(NOV, 4, "task_id", "T2",
                                      f"each task id once; already at {OCT} line 3")]),
}  # fmt: skip


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_typed_file_changed_in_places_stages_only_what_changed_as_a_full_build(
    tmp_path, monkeypatch, change
):
    """A file read into typed columns and changed afterwards: only its blocks of lines whose
    fingerprint changed are staged again, unless a changed line has a problem or shares an id
    with another line; either way the result is what a build from nothing gives."""
    monkeypatch.setattr("cjsperf.db.BLOCK_LINES", 2)
    root = make_base(tmp_path / "data")
    write(root, NOV, CLEAN_NOV)
    wh = Warehouse(root, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _layers(wh)[NOV] == "typed"
    lines, staged, problems = CHANGES[change]
    write(root, NOV, lines)
    st = (root / NOV).stat()  # a new modification time, whatever the clock's resolution
    os.utime(root / NOV, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert wh.sync().changed_extracts == ["tasks"]
    assert wh.staged_lines == {"tasks": staged}
    partial = _snapshot(wh)
    p = partial["problems"]
    got = [(r.file, int(r.line), r.column, r.value, r.expected)
           for r in p.itertuples() if r.extract == "tasks"]  # fmt: skip
    assert got == problems
    ids = [ln.split(",")[0] for ln in lines[1:]]
    loaded = sorted(partial["tasks"].task_id)
    # every id once (a repeat loads its first line only), but a line with a bad value
    bad = {lines[pr[1] - 1].split(",")[0] for pr in problems if pr[2] != "task_id"}
    assert loaded == sorted({"T1", "T2", "T3", *ids} - bad)
    wh.close()
    full = Warehouse(root, db_path=None)
    full.sync()
    _assert_same(partial, _snapshot(full))
    # and a later touch with nothing changed stages nothing again
    if not problems:
        os.utime(root / NOV, ns=(st.st_atime_ns, st.st_mtime_ns + 4_000_000_000))
        again = Warehouse(root, db_path=tmp_path / "wh.duckdb")
        assert again.sync().changed_extracts == ["tasks"]
        assert again.staged_lines == {"tasks": 0}
        _assert_same(partial, _snapshot(again))
        again.close()


# ---------------------------------------------------------------- files kept as read
def _assert_as_through_the_text_layer(wh: Warehouse, root: Path, monkeypatch) -> None:
    """What `wh` shows is what the folder synced with the typed read off shows; `wh` is closed."""
    got = _snapshot(wh)
    wh.close()
    _text_only(monkeypatch)
    text = Warehouse(root, db_path=None)
    text.sync()
    _assert_same(got, _snapshot(text))


def _assert_as_built_from_nothing(wh: Warehouse, root: Path) -> None:
    """What `wh` shows is what a build of the same folder from nothing shows; `wh` is closed."""
    got = _snapshot(wh)
    wh.close()
    full = Warehouse(root, db_path=None)
    full.sync()
    _assert_same(got, _snapshot(full))


def _kept(wh: Warehouse) -> dict[str, list[int]]:
    """The tasks files kept as read, each with the blocks of lines its table no longer gives."""
    df = wh.sql("SELECT file, skip FROM as_read WHERE extract = 'tasks' ORDER BY file")
    return {r.file: [int(b) for b in r.skip] for r in df.itertuples()}


def _typed_tables(wh: Warehouse) -> list[str]:
    """The tables of typed reads in the database file (not the sync's scratch database)."""
    df = wh.sql(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND database_name = current_database() AND starts_with(table_name, 'typed_') ORDER BY 1"
    )
    return list(df.table_name)


def test_a_clean_typed_file_is_kept_as_read_not_written_twice(folder, tmp_path, monkeypatch):
    """October's three lines pass staging as they were read: the table they were read into is
    kept, and stg_tasks, a view, reads them there. November has bad lines (text layer): its two
    good lines are the only rows of the table of other staged rows."""
    wh = Warehouse(folder, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _kept(wh) == {OCT: []}
    ((table,),) = wh.sql("SELECT tbl FROM as_read WHERE extract = 'tasks'").itertuples(index=False)
    assert _typed_tables(wh) == [table]
    assert wh.sql(f"SELECT count(*) AS n FROM {table}").n[0] == 3
    rest = wh.sql("SELECT file, line, task_id FROM _rows_tasks ORDER BY line")
    assert [tuple(r) for r in rest.itertuples(index=False)] == [(NOV, 2, "T4"), (NOV, 6, "T6")]
    kinds = wh.sql(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'stg_tasks'"
    )
    assert list(kinds.table_type) == ["VIEW"]
    assert wh.sql("SELECT lines FROM stage_counts WHERE extract = 'tasks'").lines[0] == 5
    _assert_as_through_the_text_layer(wh, folder, monkeypatch)


def test_a_value_staging_tidies_keeps_its_file_off_the_kept_tables(folder, tmp_path, monkeypatch):
    """A clean file whose staged rows differ from its lines as read (an id with a space around
    it, which staging trims) is staged from its typed read into the table, not kept as read."""
    dec = "tasks/tasks_2017_12.csv"
    write(folder, dec, [TASKS_HEADER, '" T20 ",RASSO,Case review,Robbery,2017-12-01,2017-12-05,'])
    wh = Warehouse(folder, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _layers(wh)[dec] == "typed"
    assert _kept(wh) == {OCT: []}
    rest = wh.sql("SELECT file, line, task_id FROM _rows_tasks WHERE file = ?", [dec])
    assert [tuple(r) for r in rest.itertuples(index=False)] == [(dec, 2, "T20")]
    _assert_as_through_the_text_layer(wh, folder, monkeypatch)


@pytest.mark.parametrize("one_query", [True, False], ids=["checked together", "each alone"])
def test_a_kept_file_changed_in_one_block_is_read_past_that_block(tmp_path, monkeypatch, one_query):
    """November, kept as read, changes T13's team (line 5; 2 lines a block: block 2). The view
    stops reading block 2 from the kept table, and lines 4 and 5 are staged into the table of
    other rows; touched again with a second change (line 8, block 4), both blocks are skipped.
    (October and November share no task id: checked by one query or each by its own,
    cjsperf.db.KEEP_CHECK_ROWS, both are kept.)"""
    monkeypatch.setattr("cjsperf.db.BLOCK_LINES", 2)
    if not one_query:
        monkeypatch.setattr("cjsperf.db.KEEP_CHECK_ROWS", 1)
    root = make_base(tmp_path / "data")
    write(root, NOV, CLEAN_NOV)
    wh = Warehouse(root, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _kept(wh) == {OCT: [], NOV: []}
    tables = _typed_tables(wh)

    def touch(lines, seconds):
        write(root, NOV, lines)
        st = (root / NOV).stat()
        os.utime(root / NOV, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))
        wh.sync()

    lines = CLEAN_NOV[:4] + [T13_MOVED] + CLEAN_NOV[5:]
    touch(lines, 2)
    assert _kept(wh) == {OCT: [], NOV: [2]}
    assert _typed_tables(wh) == tables  # nothing read into the database again
    rest = wh.sql("SELECT line, task_id, team FROM _rows_tasks WHERE file = ? ORDER BY line", [NOV])
    assert [tuple(r) for r in rest.itertuples(index=False)] == [
        (4, "T12", "Crown Court Unit Stoke"),
        (5, "T13", "Complex Casework"),
    ]
    lines = lines[:7] + [CLEAN_NOV[7].replace("2017-11-10", "2017-11-11")]
    touch(lines, 4)
    assert _kept(wh) == {OCT: [], NOV: [2, 4]}
    rest = wh.sql(
        "SELECT line, completed_date FROM _rows_tasks WHERE file = ? ORDER BY line", [NOV]
    )
    assert [(r.line, _day(r.completed_date)) for r in rest.itertuples()] == [
        (4, date(2017, 11, 4)),
        (5, date(2017, 11, 7)),
        (8, date(2017, 11, 11)),
    ]
    _assert_as_built_from_nothing(wh, root)


def test_a_kept_file_removed_leaves_the_view_and_its_table_is_dropped(folder, tmp_path):
    wh = Warehouse(folder, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _kept(wh) == {OCT: []} and len(_typed_tables(wh)) == 1
    os.remove(folder / OCT)
    wh.sync()
    assert _kept(wh) == {}
    assert _typed_tables(wh) == []
    assert sorted(wh.sql("SELECT task_id FROM stg_tasks").task_id) == ["T4", "T6"]
    _assert_as_built_from_nothing(wh, folder)


def test_a_sync_stopped_before_keeping_its_files_leaves_no_table_behind(folder, tmp_path):
    """The tables a stopped sync read files into are dropped by the next, which stages what a
    build from nothing gives."""
    db_path = tmp_path / "wh.duckdb"
    wh = Warehouse(folder, db_path=db_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Warehouse, "_replace_view", lambda *a: (_ for _ in ()).throw(OSError("stop")))
        with pytest.raises(OSError, match="stop"):
            wh.sync()
        left = _typed_tables(wh)
        assert len(left) == 1  # October's tasks, read into the database and never kept
    wh.close()
    again = Warehouse(folder, db_path=db_path)
    again.sync()
    ((table,),) = again.sql("SELECT tbl FROM as_read WHERE extract = 'tasks'").itertuples(
        index=False
    )
    assert _typed_tables(again) == [table] and table not in left
    _assert_as_built_from_nothing(again, folder)


def test_a_database_from_older_code_is_rebuilt_with_its_views(folder, tmp_path):
    """A database whose code mark differs (older code) loses every view and table, the view
    stg_tasks and the kept tables too, and is built again as from nothing."""
    db_path = tmp_path / "wh.duckdb"
    wh = Warehouse(folder, db_path=db_path)
    wh.sync()
    wh.con.execute("UPDATE meta SET value = 'older' WHERE key = 'code'")
    wh.close()
    again = Warehouse(folder, db_path=db_path)
    assert _typed_tables(again) == []
    assert (
        again.sql("SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'stg_tasks'").n[0]
        == 0
    )
    again.sync()
    assert _kept(again) == {OCT: []}
    _assert_as_built_from_nothing(again, folder)


def test_stg_tasks_staged_as_a_table_before_becomes_the_view(folder, tmp_path, monkeypatch):
    """Staged once by code that kept no file as read (stg_tasks a table), a touched file stages
    the extract whole, into the view over kept files."""
    db_path = tmp_path / "wh.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Warehouse, "_as_read_columns", lambda self, extract: None)
        wh = Warehouse(folder, db_path=db_path)
        wh.sync()
        assert _kept(wh) == {}
        wh.close()
    again = Warehouse(folder, db_path=db_path)
    st = (folder / OCT).stat()
    os.utime(folder / OCT, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    again.sync()
    assert _kept(again) == {OCT: []}
    assert again.staged_lines["tasks"] == 3 + 6  # whole: October's 3 lines and November's 6
    _assert_as_built_from_nothing(again, folder)


def test_a_new_file_read_as_text_repeating_an_id_of_an_unchanged_typed_file(tmp_path):
    """November, clean, is staged from its typed read (kept as read). September comes later with a
    bad line, so it is read as text, and it holds November's T36: September comes first in path
    order, so November's T36 is now the repeat, as a build from nothing says."""
    root = make_base(tmp_path / "data")
    os.remove(root / OCT)
    write(root, NOV, [TASKS_HEADER, "T17,RASSO,Case review,Robbery,2017-11-01,2017-11-04,",
                      "T36,Complex Casework,Case review,Robbery,2017-11-02,2017-11-09,"])  # fmt: skip
    wh = Warehouse(root, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    assert _kept(wh) == {NOV: []}
    sept = "tasks/tasks_2017_09.csv"
    write(root, sept, [TASKS_HEADER, "T36,RASSO,Case review,Robbery,2017-09-02,2017-09-07,",
                       "T22,Nobody,Case review,Robbery,2017-09-02,2017-09-05,"])  # fmt: skip
    wh.sync()
    assert _layers(wh)[sept] == "text" and _kept(wh) == {}
    got = [(r.file, int(r.line), r.column, r.value) for r in wh.problems().itertuples()]
    assert got == [(sept, 3, "team", "Nobody"), (NOV, 3, "task_id", "T36")]
    t36 = wh.sql("SELECT file, team FROM stg_tasks WHERE task_id = 'T36'")
    assert [tuple(r) for r in t36.itertuples(index=False)] == [(sept, "RASSO")]
    _assert_as_built_from_nothing(wh, root)


def test_a_sync_after_one_that_failed_in_the_same_process_stages_as_a_build_from_nothing(
    folder, tmp_path, monkeypatch
):
    """The first extract staged fails: the others' typed reads are left (in _scratch, and tasks'
    in the database). The next sync on the same warehouse, as the dashboard's process makes,
    reads them again and stages what a build from nothing gives."""
    monkeypatch.setattr("cjsperf.db.READERS", 1)
    wh = Warehouse(folder, db_path=tmp_path / "wh.duckdb")
    real = Warehouse._stage_extract
    calls = []

    def first_fails(self, extract):
        calls.append(extract.name)
        if len(calls) == 1:
            raise OSError("stop")
        return real(self, extract)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Warehouse, "_stage_extract", first_fails)
        with pytest.raises(OSError, match="stop"):
            wh.sync()
    wh.sync()
    assert _kept(wh) == {OCT: []}
    assert _typed_tables(wh) == list(wh.sql("SELECT tbl FROM as_read").tbl)
    _assert_as_built_from_nothing(wh, folder)


def test_every_staging_query_with_a_repeat_rule_can_run_without_it():
    """The staging of lines among which no key repeats drops the repeat rule
    (`without_repeat_rule`): each staging query with a rule has exactly one `repeated` to empty,
    and loses nothing else."""
    emptied = []
    for path in sorted(Path("queries/staging").glob("*.sql")):
        sql = path.read_text()
        if not repeat_key(sql):
            with pytest.raises(ValueError, match="found 0"):
                without_repeat_rule(sql)
            continue
        out = without_repeat_rule(sql)
        assert repeat_key(out) is None  # no GROUP BY … HAVING left in `repeated`
        head, _, tail = out.partition(" WHERE false")
        assert sql.startswith(head) and sql.rstrip().endswith(tail.rstrip()), path.name
        assert "HAVING count(*) > 1" in sql[len(head) :] and len(out) < len(sql)
        emptied.append(path.stem)
    assert emptied == [
        "agent_spend", "court_sessions", "disclosure_assessments", "tasks", "training", "trials",
        "tsj_reviews", "vcl_letters",
    ]  # fmt: skip


def test_lines_with_no_repeated_key_stage_as_with_the_repeat_rule(folder, monkeypatch):
    """Staged without the repeat rule where no key repeats among the lines a staging query reads,
    the rows, problems and counts are those staged with the rule always in place. The rule stays
    where a key does repeat: November's T4 (lines 2 and 5), read as text."""
    real = Warehouse._repeat_rule_if_needed
    ran = []

    def spy(self, extract, sql, lines):
        out = real(self, extract, sql, lines)
        ran.append((extract.name, "typed" if lines.startswith("(") else "text", out != sql))
        return out

    monkeypatch.setattr(Warehouse, "_repeat_rule_if_needed", spy)
    wh = Warehouse(folder, db_path=None)
    wh.sync()
    assert ("tasks", "text", False) in ran  # the rule kept: T4 twice in November
    assert ("tasks", "typed", True) in ran  # October's three ids, once each: dropped
    assert ("court_sessions", "typed", True) in ran
    got = _snapshot(wh)
    wh.close()
    monkeypatch.setattr(Warehouse, "_repeat_rule_if_needed", lambda self, e, sql, lines: sql)
    always = Warehouse(folder, db_path=None)
    always.sync()
    _assert_same(got, _snapshot(always))
    rejected = always.problems().query("extract == 'tasks' and line == 5")
    assert list(rejected.expected) == [f"each task id once; already at {NOV} line 2"]
