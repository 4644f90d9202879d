"""Ingest and validation: every bad input is reported where it is, and nothing good is lost.

Each bad-input case starts from a small good data folder (two real case outcome files, the reference
lists, and hand-written sample extracts that follow the contract in cjsperf/extracts.py), corrupts one
thing, and checks: the problem reported (file, physical line, column, value found, reason), that every
other row and file still loaded, that rows loaded + rows rejected = rows read, and that
`python -m cjsperf check DIR` exits 1 and prints the problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import tempfile
import threading
import time
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cjsperf import db
from cjsperf.__main__ import main, print_check
from cjsperf.db import Warehouse

DATA = Path(__file__).resolve().parent.parent / "data"
CO_JAN = "case_outcomes/2016/principal_offence_category_january_2016.csv"
CO_MAR = "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
CO_FEB_UPPER = "case_outcomes/2018/Principal_Offence_Category_Feb.CSV"  # a copy of March

TASKS_HEADER = "task_id,team,task_type,offence_category,created_date,due_date,completed_date"
TASKS = [
    "T1,RASSO,Case review,Sexual Offences,2017-10-02,2017-10-09,2017-10-05",
    "T2,Complex Casework,Disclosure,Fraud And Forgery,2017-10-03,2017-10-10,",
    "T3,Crown Court Unit Stoke,Victim letter,Robbery,2017-10-04,2017-10-05,2017-10-05",
]
T4 = "T4,Magistrates' Court Unit Birmingham,Court result,Burglary,2017-11-01,2017-11-02,"
T6 = "T6,RASSO,Correspondence,Sexual Offences,2017-11-03,2017-11-10,2017-11-04"
SPEND_HEADER = "payment_id,payment_date,court_centre,force_area,spend_type,offence_category,sessions,amount_gbp"
SPEND = [
    "P1,2017-10-02,Birmingham Magistrates' Court,West Midlands,Agent session fee,,2,300.00",
    "P2,2017-10-03,Stafford Crown Court,Staffordshire,External counsel fee,Robbery,0,1250.50",
    "P3,2017-10-04,Worcester Justice Centre,West Mercia,Agent session fee,Motoring Offences,1,150.00",
]
P4 = "P4,2017-11-01,Coventry Magistrates' Court,West Midlands,Agent session fee,,1,155.00"
SESSIONS_HEADER = "session_id,session_date,court_centre,court_type,sitting,list_type,prosecutor"
SESSIONS = [
    "S1,2017-10-02,Birmingham Magistrates' Court,Magistrates' court,AM,Trial,Agent",
    "S2,2017-10-02,Birmingham Magistrates' Court,Magistrates' court,PM,Remand,In-house",
    "S3,2017-10-03,Nuneaton Justice Centre,Magistrates' court,AM,TSJ anticipated guilty plea,In-house",
]
FLAGGED_HEADER = "month,force_area,court_type,flag,offence_category,convictions,unsuccessful"
FLAGGED = [
    "2017-10,West Midlands,Magistrates' court,Hate crime,Public Order Offences,40,8",
    "2017-10,Staffordshire,Crown Court,Domestic abuse,Offences Against The Person,12,3",
]
FLAGGED_GOOD_NOV = "2017-11,Warwickshire,Magistrates' court,Hate crime,Public Order Offences,9,2"


def areas_in(rel: str) -> list[str]:
    """Force areas (and National) of a real file, in file order, read with the csv module."""
    with open(DATA / rel, newline="", encoding="utf-8") as fh:
        return [r[0] for r in list(csv.reader(fh))[1:]]


BASE_KEYS: dict[str, set] = {
    "case_outcomes": {("2016-01", a) for a in areas_in(CO_JAN)}
    | {("2018-03", a) for a in areas_in(CO_MAR)},
    "tasks": {"T1", "T2", "T3"},
    "agent_spend": {"P1", "P2", "P3"},
    "court_sessions": {"S1", "S2", "S3"},
    "flagged_outcomes": {"West Midlands/Hate crime", "Staffordshire/Domestic abuse"},
}
KEY_SQL = {
    "case_outcomes": "SELECT DISTINCT strftime(month, '%Y-%m') AS m, force_area FROM stg_case_outcomes",
    "tasks": "SELECT task_id FROM stg_tasks",
    "agent_spend": "SELECT payment_id FROM stg_agent_spend",
    "court_sessions": "SELECT session_id FROM stg_court_sessions",
    "flagged_outcomes": "SELECT force_area || '/' || flag FROM stg_flagged_outcomes",
}


def write(root: Path, rel: str, lines: list[str], newline: str = "\n", encoding="utf-8"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + newline for line in lines).encode(encoding))


def make_base(root: Path) -> Path:
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    for rel in (CO_JAN, CO_MAR):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / rel, root / rel)
    write(root, "tasks/tasks_2017_10.csv", [TASKS_HEADER, *TASKS])
    write(root, "agent_spend/agent_spend_2017_10.csv", [SPEND_HEADER, *SPEND])
    write(root, "court_sessions/court_sessions_2017_10.csv", [SESSIONS_HEADER, *SESSIONS])
    write(root, "flagged_outcomes/flagged_outcomes_2017_10.csv", [FLAGGED_HEADER, *FLAGGED])
    return root


def loaded_keys(wh: Warehouse) -> dict[str, set]:
    return {
        name: {tuple(r) if len(r) > 1 else r[0] for r in wh.sql(sql).itertuples(index=False)}
        for name, sql in KEY_SQL.items()
    }


def drop_area(root: Path, rel: str, area: str) -> None:
    """Take one force's line out of a real case outcomes file, keeping its CRLF lines."""
    path = root / rel
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(r for r in rows if r[0] != area)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def edit_cell(root: Path, rel: str, area: str, column: str, value: str) -> None:
    """Change one cell of a real case outcomes file, keeping its CRLF lines and quoting."""
    path = root / rel
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index(column)
    (row,) = [r for r in rows if r[0] == area]
    row[col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def truncate_last_line(root: Path, rel: str, keep_fields: int) -> None:
    path = root / rel
    lines = path.read_bytes().rstrip(b"\r\n").split(b"\r\n")
    lines[-1] = b",".join(lines[-1].split(b",")[:keep_fields])
    path.write_bytes(b"\r\n".join(lines))  # cut off: no line ending at the end


def repeat_last_line(root: Path, rel: str) -> None:
    path = root / rel
    data = path.read_bytes()
    last = data.rstrip(b"\r\n").rsplit(b"\r\n", 1)[1]
    path.write_bytes(data + last + b"\r\n")


def write_xlsx(root: Path, rel: str) -> None:
    import xlsxwriter

    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(root / rel))
    sheet = book.add_worksheet()
    for i, line in enumerate([TASKS_HEADER, T4]):
        for j, v in enumerate(line.split(",")):
            sheet.write(i, j, v)
    book.close()


@dataclass
class Case:
    id: str
    corrupt: Callable[[Path], None]
    # the problem that must be reported: severity, file, line, column, value found, reason
    severity: str
    file: str
    line: int | None
    column: str | None
    value: str | None
    reason: str
    gone: dict[str, set] = field(default_factory=dict)  # keys no longer loaded
    added: dict[str, set] = field(default_factory=dict)  # keys loaded from the new rows
    verify: Callable[[Warehouse], None] | None = None  # anything else to check
    n_problems: int = 1  # all problems reported, this one included
    partly_loaded: int = 0  # lines with a rejected cell whose other categories loaded


def _one_category_gone(month: str, force: str, category: str):
    def verify(wh):
        got = wh.sql(
            "SELECT offence_category FROM stg_case_outcomes "
            "WHERE strftime(month, '%Y-%m') = ? AND force_area = ?",
            [month, force],
        )
        assert len(got) == 12 and category not in set(got.offence_category)

    return verify


def _upper_case_verify(wh):
    _one_category_gone("2018-02", "Warwickshire", "Homicide")(wh)
    # The Data quality page lists it, with the month its name gives and every line read.
    files = wh.run_query("dq_files").set_index("file")
    row = files.loc[CO_FEB_UPPER]
    assert (row.status, row.period, row.rows_read, row.rows_rejected) == (
        "loaded",
        "2018-02",
        43,
        1,
    )


def _extra_column_verify(wh):
    row = wh.sql("SELECT * FROM stg_tasks WHERE task_id = 'T5'").iloc[0]
    assert (row.team, row.task_type, row.offence_category) == ("RASSO", "Case review", "Robbery")
    assert str(row.due_date.date()) == "2017-11-09"


def _cp1252_verify(wh):
    amounts = wh.sql("SELECT payment_id, amount_gbp FROM stg_agent_spend ORDER BY 1")
    assert dict(zip(amounts.payment_id, amounts.amount_gbp, strict=True))["P5"] == Decimal("150.00")
    enc = wh.sql(
        "SELECT encoding FROM load_files WHERE file = 'agent_spend/agent_spend_2017_11.csv'"
    )
    assert list(enc.encoding) == ["windows-1252"]
    # Bytes 80 and 96 are '€' and '–' in Windows-1252 (control characters in Latin-1).
    ids = set(wh.sql("SELECT payment_id FROM stg_agent_spend").payment_id)
    assert "P6–€" in ids


def _mixed_encoding_verify(wh):
    # Only the line that is not UTF-8 is read as Windows-1252: the UTF-8 lines keep their £ and é.
    amounts = wh.sql("SELECT payment_id, amount_gbp FROM stg_agent_spend")
    got = dict(zip(amounts.payment_id, amounts.amount_gbp, strict=True))
    assert (got["P5é"], got["P6"], got["P7"]) == (
        Decimal("150.00"),
        Decimal("154.50"),
        Decimal("173.00"),
    )
    enc = wh.sql(
        "SELECT encoding FROM load_files WHERE file = 'agent_spend/agent_spend_2017_11.csv'"
    )
    assert list(enc.encoding) == ["utf-8, windows-1252 on 1 line"]


def _same_month_verify(wh):
    # 2016-01 loaded once, from the first file in path order ('P' sorts before 'p').
    files = wh.sql("SELECT DISTINCT file FROM stg_case_outcomes WHERE month = DATE '2016-01-01'")
    assert list(files.file) == ["case_outcomes/2016/Principal_Offence_Category_Jan.csv"]
    errors = wh.problems().query("severity == 'error'")
    assert list(errors.line) == list(range(2, 45))  # every line of the second file, once


def _duplicate_id_verify(wh):
    t2 = wh.sql("SELECT file, line FROM stg_tasks WHERE task_id = 'T2'")
    assert list(t2.itertuples(index=False, name=None)) == [("tasks/tasks_2017_10.csv", 3)]


def _physical_lines_verify(rel: str):
    def verify(wh):
        lines = wh.sql("SELECT task_id, line FROM stg_tasks WHERE file = ?", [rel])
        assert dict(zip(lines.task_id, lines.line, strict=True)) == {"T4": 2, "T6": 6}

    return verify


def _blank_lines_case(
    id_: str, filler: str, newline: str, gz: bool = False, rel: str | None = None
) -> Case:
    bad = "T5,RASSO,Case review,Sexual Offences,2017-11-02,2017-10-32,"
    rel = rel or "tasks/tasks_2017_11.csv" + (".gz" if gz else "")
    writer = write_gz if gz else write
    return Case(
        id_,
        lambda d: writer(d, rel, [TASKS_HEADER, T4, "", filler, bad, T6], newline),
        "error",
        rel,
        5,
        "due_date",
        "2017-10-32",
        "a real date as YYYY-MM-DD",
        added={"tasks": {"T4", "T6"}},
        verify=_physical_lines_verify(rel),
    )


def write_gz(root: Path, rel: str, lines: list[str], newline: str = "\n"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(line + newline for line in lines).encode()))


# .csv.gz files that are not whole gzip: each is refused as a whole, in plain words.
GZ_LINES = [
    TASKS_HEADER,
    *(f"G{n},RASSO,Case review,Robbery,2017-11-02,2017-11-09," for n in range(6000)),
]
GZ_REL = "tasks/tasks_2017_11.csv.gz"
GZ_ENDS_EARLY = "the gzip file ends early (cut short when copied?)"
GZ_DAMAGED = "a damaged gzip file: its data do not inflate"


def _gz_cut(root: Path, lines: list[str], keep: float) -> None:
    """A .csv.gz file cut short: only the first `keep` of its bytes."""
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    (root / GZ_REL).write_bytes(data[: int(len(data) * keep)])


def _gz_damaged(root: Path, at: float) -> None:
    """A .csv.gz file with 10 bytes changed `at` that share of its length."""
    data = bytearray(gzip.compress(("\n".join(GZ_LINES) + "\n").encode()))
    start = int(len(data) * at)
    for i in range(start, start + 10):
        data[i] ^= 0x55
    (root / GZ_REL).write_bytes(bytes(data))


def _gz_case(id_, corrupt, value, reason):
    return Case(id_, corrupt, "error", GZ_REL, None, "(whole file)", value, reason)


GZ_CASES = [
    _gz_case(
        "plain text saved with a .csv.gz name",
        lambda d: write(d, GZ_REL, [TASKS_HEADER, T4]),
        "not a gzip file: its bytes are plain text",
        "rename it .csv or compress it",
    ),
    # cut within the first lines (Python reads the header) and far in (DuckDB reads the rows)
    _gz_case("a .csv.gz file cut short in its header", lambda d: _gz_cut(d, [TASKS_HEADER, T4], 0.6),
             GZ_ENDS_EARLY, "a whole gzip file"),
    _gz_case("a .csv.gz file cut short", lambda d: _gz_cut(d, GZ_LINES, 0.7),
             GZ_ENDS_EARLY, "a whole gzip file"),
    # damaged near its start, and near its end (where DuckDB read on, and lost lines without a word)
    _gz_case("a .csv.gz file damaged near its start", lambda d: _gz_damaged(d, 0.05),
             GZ_DAMAGED, "a whole gzip file"),
    _gz_case("a .csv.gz file damaged near its end", lambda d: _gz_damaged(d, 0.8),
             GZ_DAMAGED, "a whole gzip file"),
]  # fmt: skip


def _line_break_verify(file: str, lines: dict[str, int]):
    """The rows after the broken record keep their physical line numbers."""

    def verify(wh):
        ids = {"tasks": "task_id", "court_sessions": "session_id"}
        extract = file.split("/")[0]
        got = wh.sql(f"SELECT {ids[extract]} AS id, line FROM stg_{extract} WHERE file = ?", [file])
        assert dict(zip(got.id, got.line, strict=True)) == lines

    return verify


# A quoted field holding a line break: the record spans two physical lines (3 and 4).
BROKEN_T5 = 'T5,RASSO,"Case\nreview",Robbery,2017-11-02,2017-11-09,'
BROKEN_ID = '"T5\nX",RASSO,Case review,Robbery,2017-11-02,2017-11-09,'


def _line_break_case(id_, rel, lines, column, value, n_problems, newline="\n", gz=False):
    writer = write_gz if gz else write
    extract = rel.split("/")[0]
    good = {"tasks": {"T4", "T6"}, "court_sessions": {"S4", "S6"}}[extract]
    return Case(
        id_,
        lambda d: writer(d, rel, lines, newline),
        "error",
        rel,
        3,
        column,
        value,
        "a value on one line",
        added={extract: good},
        verify=_line_break_verify(rel, {k: 2 if k in ("T4", "S4") else 5 for k in good}),
        n_problems=n_problems,
    )


LINE_BREAK_CASES = [
    _line_break_case(
        "quoted line break in a field (plain csv)",
        "tasks/tasks_2017_11.csv",
        [TASKS_HEADER, T4, BROKEN_T5, T6],
        "task_type",
        "Case\nreview",
        n_problems=1,  # reported for the break alone, not also as an unknown task type
    ),
    _line_break_case(
        "quoted line break in an id (csv.gz)",
        "tasks/tasks_2017_11.csv.gz",
        [TASKS_HEADER, T4, BROKEN_ID, T6],
        "task_id",
        "T5\nX",
        n_problems=1,
        gz=True,
    ),
    _line_break_case(
        "quoted line break in court sessions (csv.gz, CRLF)",
        "court_sessions/court_sessions_2017_11.csv.gz",
        [
            SESSIONS_HEADER,
            "S4,2017-11-01,Warwick Crown Court,Crown Court,AM,Trial,In-house",
            '"S5\r\nY",2017-11-01,Warwick Crown Court,Crown Court,PM,Trial,In-house',
            "S6,2017-11-02,Warwick Crown Court,Crown Court,AM,Trial,In-house",
        ],
        "session_id",
        "S5\nY",
        n_problems=1,
        newline="\r\n",
        gz=True,
    ),
]


# A quote opened in a field and never closed on its line (a typo): the reader would run the field on
# over the next lines until some later quote, or to the end of the file, and those lines would be
# lost. The line is rejected on its own, naming the field and the quote; the lines after it load
# with their own line numbers.
OPEN_T5 = 'T5,RASSO,"Case review,Robbery,2017-11-02,2017-11-09,'
OPEN_T7 = "T7,RASSO,Correspondence,Sexual Offences,2017-11-03,2017-11-10,2017-11-04"
OPEN_T8 = "T8,RASSO,Case review,Burglary,2017-11-06,2017-11-13,2017-11-07"
STRAY_T9 = 'T9,RASSO,Corr"espondence,Robbery,2017-11-07,2017-11-14,'  # a quote closing T5's


def _open_quote_case(id_, rel, lines, good_lines, n_problems=1, newline="\n", gz=False):
    writer = write_gz if gz else write
    return Case(
        id_,
        lambda d: writer(d, rel, lines, newline),
        "error",
        rel,
        3,
        "task_type",
        '"Case review,Robbery,2017-11-02,2017-11-09,',
        "a quote that closes on the same line",
        added={"tasks": set(good_lines)},
        verify=_line_break_verify(rel, good_lines),
        n_problems=n_problems,
    )


OPEN_QUOTE_CASES = [
    _open_quote_case(
        "quote left open to the end of the file (plain csv)",
        "tasks/tasks_2017_11.csv",
        [TASKS_HEADER, T4, OPEN_T5, T6, OPEN_T7, OPEN_T8],
        {"T4": 2, "T6": 4, "T7": 5, "T8": 6},
    ),
    _open_quote_case(
        "quote left open to the end of the file (csv.gz, CRLF)",
        "tasks/tasks_2017_11.csv.gz",
        [TASKS_HEADER, T4, OPEN_T5, T6, OPEN_T7, OPEN_T8],
        {"T4": 2, "T6": 4, "T7": 5, "T8": 6},
        newline="\r\n",
        gz=True,
    ),
    _open_quote_case(
        "quote left open until a stray quote lines later (csv.gz)",
        "tasks/tasks_2017_11.csv.gz",
        [TASKS_HEADER, T4, OPEN_T5, T6, OPEN_T7, STRAY_T9, OPEN_T8],
        {"T4": 2, "T6": 4, "T7": 5, "T8": 7},
        n_problems=2,  # and line 6's task type, Corr"espondence
        gz=True,
    ),
    # 2,000 lines after it, 150 KB: more than a CSV reader takes into one field (128 KB)
    _open_quote_case(
        "quote left open in a long file (csv.gz)",
        "tasks/tasks_2017_11.csv.gz",
        [TASKS_HEADER, T4, OPEN_T5, *(OPEN_T8.replace("T8", f"L{n}") for n in range(2000))],
        {"T4": 2, **{f"L{n}": n + 4 for n in range(2000)}},
        gz=True,
    ),
]


def _corrected_repeat_case(id_, rel, lines, line, column, value, reason, added, key_sql, want):
    """The first line with an id (or key) has a bad value; a later line corrects it."""

    def verify(wh):
        assert [tuple(r) for r in wh.sql(key_sql).itertuples(index=False)] == want

    return Case(id_, lambda d: write(d, rel, lines), "error", rel, line, column, value, reason,
                added=added, verify=verify)  # fmt: skip


CORRECTED_REPEATS = [
    _corrected_repeat_case(
        "a corrected repeat of a task loads",
        "tasks/tasks_2017_11.csv",
        [TASKS_HEADER, "T5,RASSO,Case review,Robbery,2017-13-02,2017-11-09,",
         "T5,RASSO,Case review,Robbery,2017-11-02,2017-11-09,", T4],
        2, "created_date", "2017-13-02", "a real date as YYYY-MM-DD",
        {"tasks": {"T4", "T5"}},
        "SELECT line, created_date::VARCHAR FROM stg_tasks WHERE task_id = 'T5'",
        [(3, "2017-11-02")],
    ),
    _corrected_repeat_case(
        "a corrected repeat of a payment loads",
        "agent_spend/agent_spend_2017_11.csv",
        [SPEND_HEADER,
         "P5,2017-11-02,Coventry Magistrates' Court,West Midlands,Agent session fee,,1,15O.00",
         "P5,2017-11-02,Coventry Magistrates' Court,West Midlands,Agent session fee,,1,150.00"],
        2, "amount_gbp", "15O.00", "an amount in pounds",
        {"agent_spend": {"P5"}},
        "SELECT line, amount_gbp::VARCHAR FROM stg_agent_spend WHERE payment_id = 'P5'",
        [(3, "150.00")],
    ),
    _corrected_repeat_case(
        "a corrected repeat of a court session loads (the first line is short a field)",
        "court_sessions/court_sessions_2017_11.csv",
        [SESSIONS_HEADER,
         "S5,2017-11-01,Warwick Crown Court,Crown Court,AM,Trial",
         "S5,2017-11-01,Warwick Crown Court,Crown Court,AM,Trial,In-house"],
        2, "(whole line)", "6 fields", "7 fields as in the header",
        {"court_sessions": {"S5"}},
        "SELECT line, prosecutor FROM stg_court_sessions WHERE session_id = 'S5'",
        [(3, "In-house")],
    ),
    _corrected_repeat_case(
        "a corrected repeat of a flagged outcomes key loads",
        "flagged_outcomes/flagged_outcomes_2017_11.csv",
        [FLAGGED_HEADER,
         "2017-11,Warwickshire,Magistrates' court,Hate crime,Public Order Offences,9,-2",
         FLAGGED_GOOD_NOV],
        2, "unsuccessful", "-2", "a whole number of defendants, 0 or more",
        {"flagged_outcomes": {"Warwickshire/Hate crime"}},
        "SELECT line, unsuccessful FROM stg_flagged_outcomes WHERE month = DATE '2017-11-01'",
        [(3, 2)],
    ),
]  # fmt: skip


# Dates beyond the extract's own period. The fixture's tasks_2017_10.csv ends 2017-10-31 by its
# name; tasks_2017_11.csv 2017-11-30; a name without a period falls back to the latest month
# holding at least 2 rows and 1% of the extract's dates (here Nov 2017: T4 and T6).
LATE_T7 = "T7,RASSO,Case review,Robbery,2017-11-20,2018-06-01,"  # due within a year: loads
DATE_CASES = [
    Case(
        "a completion date years ahead (2081 for 2017)",
        lambda d: write(d, "tasks/tasks_2017_11.csv", [
            TASKS_HEADER, T4, "T5,RASSO,Case review,Robbery,2017-11-02,2017-11-09,2081-11-08",
            LATE_T7]),
        "error", "tasks/tasks_2017_11.csv", 3, "completed_date", "2081-11-08",
        "a date at most 31 days after 2017-11-30, the end of the latest period of the tasks files",
        added={"tasks": {"T4", "T7"}},
    ),
    Case(
        "a due date more than a year after the period",
        lambda d: write(d, "tasks/tasks_2017_11.csv", [
            TASKS_HEADER, T4, "T5,RASSO,Case review,Robbery,2017-11-02,2019-11-09,", LATE_T7]),
        "error", "tasks/tasks_2017_11.csv", 3, "due_date", "2019-11-09",
        "a date at most 366 days after 2017-11-30",
        added={"tasks": {"T4", "T7"}},
    ),
    Case(
        "a creation date ahead, in a file whose name gives no period",
        lambda d: write(d, "tasks/tasks_latest.csv", [
            TASKS_HEADER, T4, "T5,RASSO,Case review,Robbery,2021-11-02,2021-11-09,", T6]),
        "error", "tasks/tasks_latest.csv", 3, "created_date", "2021-11-02",
        "a date at most 31 days after 2017-11-30, the end of the latest month holding at least 1%",
        added={"tasks": {"T4", "T6"}},
        n_problems=2,  # and its due date, more than a year after 2017-11-30
    ),
    Case(
        "a payment date ahead of its file's month",
        lambda d: write(d, "agent_spend/agent_spend_2017_11.csv", [
            SPEND_HEADER, P4,
            "P5,2021-11-02,Coventry Magistrates' Court,West Midlands,Agent session fee,,1,150.00"]),
        "error", "agent_spend/agent_spend_2017_11.csv", 3, "payment_date", "2021-11-02",
        "a date at most 31 days after 2017-11-30, the end of the period its name gives",
        added={"agent_spend": {"P4"}},
    ),
    Case(
        "a session date ahead of its file's financial year",
        lambda d: write(d, "court_sessions/court_sessions_2017-18.csv", [
            SESSIONS_HEADER,
            "S4,2018-04-30,Warwick Crown Court,Crown Court,AM,Trial,In-house",
            "S5,2018-05-02,Warwick Crown Court,Crown Court,PM,Trial,In-house"]),
        "error", "court_sessions/court_sessions_2017-18.csv", 3, "session_date", "2018-05-02",
        "a date at most 31 days after 2018-03-31, the end of the period its name gives",
        added={"court_sessions": {"S4"}},  # 2018-04-30 is 30 days after 2018-03-31
    ),
    Case(
        "a flagged outcomes month ahead of its file's month",
        lambda d: write(d, "flagged_outcomes/flagged_outcomes_2017_11.csv", [
            FLAGGED_HEADER, FLAGGED_GOOD_NOV,
            "2021-11,West Mercia,Crown Court,Hate crime,Robbery,4,1"]),
        "error", "flagged_outcomes/flagged_outcomes_2017_11.csv", 3, "month", "2021-11",
        "a date at most 31 days after 2017-11-30",
        added={"flagged_outcomes": {"Warwickshire/Hate crime"}},
    ),
]  # fmt: skip


CASES = [
    Case(
        "empty file",
        lambda d: write(d, "tasks/tasks_2017_11.csv", []),
        "error",
        "tasks/tasks_2017_11.csv",
        1,
        None,
        "(empty file)",
        "a header line naming the columns",
    ),
    Case(
        "header only",
        lambda d: write(d, "tasks/tasks_2017_11.csv", [TASKS_HEADER]),
        "error",
        "tasks/tasks_2017_11.csv",
        2,
        None,
        "(no rows)",
        "at least one data row after the header",
    ),
    Case(
        "missing column",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [
                "task_id,team,task_type,offence_category,created_date,completed_date",
                "T4,RASSO,Case review,Robbery,2017-11-01,",
            ],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        1,
        "due_date",
        "(missing)",
        "a column named 'due_date' in the header",
    ),
    Case(
        "renamed column",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [TASKS_HEADER.replace("due_date", "date_due"), T4],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        1,
        "column 6",
        "date_due",
        "the column 'due_date' (renamed?",
    ),
    Case(
        "extra column (warning; the file loads)",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [
                "task_id,team,notes,task_type,offence_category,created_date,due_date,completed_date",
                "T4,RASSO,chased twice,Case review,Robbery,2017-11-01,2017-11-08,",
                "T5,RASSO,,Case review,Robbery,2017-11-02,2017-11-09,2017-11-03",
            ],
        ),
        "warning",
        "tasks/tasks_2017_11.csv",
        1,
        "column 3",
        "notes",
        "this extra column was ignored",
        added={"tasks": {"T4", "T5"}},
        verify=_extra_column_verify,
    ),
    Case(
        "Windows-1252 file with a pound sign",
        lambda d: write(
            d,
            "agent_spend/agent_spend_2017_11.csv",
            [
                SPEND_HEADER,
                P4,
                "P5,2017-11-02,Coventry Magistrates' Court,West Midlands,"
                "Agent session fee,,1,£150.00",
                "P6–€,2017-11-03,Coventry Magistrates' Court,West Midlands,"
                "Agent session fee,,1,150.00",
            ],
            newline="\r\n",
            encoding="cp1252",
        ),
        "warning",
        "agent_spend/agent_spend_2017_11.csv",
        3,
        None,
        "bytes that are not UTF-8 (first at this line)",
        "UTF-8 text",
        added={"agent_spend": {"P4", "P5", "P6–€"}},
        verify=_cp1252_verify,
    ),
    Case(
        "one Windows-1252 line in a UTF-8 file",
        lambda d: (d / "agent_spend/agent_spend_2017_11.csv").write_bytes(
            b"".join(
                line + b"\n"
                for line in [
                    SPEND_HEADER.encode(),
                    P4.encode(),
                    "P5é,2017-11-02,Coventry Magistrates' Court,West Midlands,"
                    "Agent session fee,,1,£150.00".encode(),
                    "P6,2017-11-03,Coventry Magistrates' Court,West Midlands,"
                    "Agent session fee,,1,£154.50".encode("cp1252"),
                    "P7,2017-11-06,Coventry Magistrates' Court,West Midlands,"
                    "Agent session fee,,1,£173.00".encode(),
                ]
            )
        ),
        "warning",
        "agent_spend/agent_spend_2017_11.csv",
        4,
        None,
        "bytes that are not UTF-8 (first at this line)",
        "UTF-8 text",
        added={"agent_spend": {"P4", "P5é", "P6", "P7"}},
        verify=_mixed_encoding_verify,
    ),
    Case(
        "non-numeric count in a case outcomes file",
        lambda d: edit_cell(
            d, CO_JAN, "West Midlands", "Number of Offences Against The Person Convictions", "n/a"
        ),
        "error",
        CO_JAN,
        42,
        "Number of Offences Against The Person Convictions",
        "n/a",
        "a whole number of defendants, 0 or more",
        # only that cell's category is rejected: the line's other rows load
        verify=_one_category_gone("2016-01", "West Midlands", "Offences Against The Person"),
        partly_loaded=1,
    ),
    Case(
        "non-numeric count in a sample extract",
        lambda d: write(
            d,
            "flagged_outcomes/flagged_outcomes_2017_11.csv",
            [
                FLAGGED_HEADER,
                FLAGGED_GOOD_NOV,
                "2017-11,West Mercia,Crown Court,Hate crime,Robbery,twelve,1",
            ],
        ),
        "error",
        "flagged_outcomes/flagged_outcomes_2017_11.csv",
        3,
        "convictions",
        "twelve",
        "a whole number of defendants, 0 or more",
        added={"flagged_outcomes": {"Warwickshire/Hate crime"}},
    ),
    Case(
        "negative count in a case outcomes file",
        lambda d: edit_cell(d, CO_MAR, "Warwickshire", "Number of Homicide Convictions", "-1"),
        "error",
        CO_MAR,
        40,
        "Number of Homicide Convictions",
        "-1",
        "a whole number of defendants, 0 or more",
        verify=_one_category_gone("2018-03", "Warwickshire", "Homicide"),
        partly_loaded=1,
    ),
    Case(
        "negative count in a sample extract",
        lambda d: write(
            d,
            "flagged_outcomes/flagged_outcomes_2017_11.csv",
            [
                FLAGGED_HEADER,
                "2017-11,West Mercia,Crown Court,Hate crime,Robbery,4,-3",
                FLAGGED_GOOD_NOV,
            ],
        ),
        "error",
        "flagged_outcomes/flagged_outcomes_2017_11.csv",
        2,
        "unsuccessful",
        "-3",
        "a whole number of defendants, 0 or more",
        added={"flagged_outcomes": {"Warwickshire/Hate crime"}},
    ),
    Case(
        # The name says November 2017; one row is from 2014 (the rest of the extract is 2017):
        # loaded, but the file is named as perhaps not the one its name says.
        "a row dated before the period its file's name gives (warning; rows load)",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [TASKS_HEADER, T4, "T5,RASSO,Case review,Robbery,2014-11-03,2014-11-10,2014-11-04"],
        ),
        "warning",
        "tasks/tasks_2017_11.csv",
        None,
        "created_date",
        "1 of 2 rows dated more than 31 days before 2017-11-01 (the earliest 2014-11-03)",
        "rows dated within the period the file's name gives",
        added={"tasks": {"T4", "T5"}},
    ),
    Case(
        "negative amount",
        lambda d: write(
            d,
            "agent_spend/agent_spend_2017_11.csv",
            [
                SPEND_HEADER,
                P4,
                "P5,2017-11-02,Coventry Magistrates' Court,West Midlands,"
                "Agent session fee,,1,-150.00",
            ],
        ),
        "error",
        "agent_spend/agent_spend_2017_11.csv",
        3,
        "amount_gbp",
        "-150.00",
        "an amount of 0 or more",
        added={"agent_spend": {"P4"}},
    ),
    Case(
        # 727 convictions, 175 unsuccessful: 727 / 902 = 80.598…% → 80.6%, as CPS published.
        "published percentage disagrees with its counts (warning; row loads)",
        lambda d: edit_cell(
            d,
            CO_JAN,
            "West Midlands",
            "Percentage of Offences Against The Person Convictions",
            "80.7%",
        ),
        "warning",
        CO_JAN,
        42,
        "Percentage of Offences Against The Person Convictions",
        "80.7%",
        "80.6% = 727 ÷ (727 + 175), rounded half-up",
    ),
    Case(
        "bad date",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [TASKS_HEADER, "T5,RASSO,Case review,Robbery,2017-13-01,2017-11-09,", T4],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        2,
        "created_date",
        "2017-13-01",
        "a real date as YYYY-MM-DD",
        added={"tasks": {"T4"}},
    ),
    Case(
        "impossible date",
        lambda d: write(
            d,
            "court_sessions/court_sessions_2017_11.csv",
            [
                SESSIONS_HEADER,
                "S4,2017-11-01,Warwick Crown Court,Crown Court,AM,Trial,In-house",
                "S5,2017-02-30,Warwick Crown Court,Crown Court,PM,Trial,In-house",
            ],
        ),
        "error",
        "court_sessions/court_sessions_2017_11.csv",
        3,
        "session_date",
        "2017-02-30",
        "a real date as YYYY-MM-DD",
        added={"court_sessions": {"S4"}},
    ),
    Case(
        "unknown offence category",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [TASKS_HEADER, T4, "T5,RASSO,Case review,Jaywalking,2017-11-02,2017-11-09,"],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        3,
        "offence_category",
        "Jaywalking",
        "one of the 12 CPS offence categories",
        added={"tasks": {"T4"}},
    ),
    Case(
        "unknown court",
        lambda d: write(
            d,
            "agent_spend/agent_spend_2017_11.csv",
            [
                SPEND_HEADER,
                "P5,2017-11-02,Gotham Magistrates' Court,West Midlands,Agent session fee,,1,150.00",
                P4,
            ],
        ),
        "error",
        "agent_spend/agent_spend_2017_11.csv",
        2,
        "court_centre",
        "Gotham Magistrates' Court",
        "a court centre in data/reference/court_centres.csv",
        added={"agent_spend": {"P4"}},
    ),
    Case(
        "unknown force in a case outcomes file",
        lambda d: edit_cell(d, CO_JAN, "West Mercia", "", "West Murcia"),
        "error",
        CO_JAN,
        41,
        "(first column)",
        "West Murcia",
        "a police force area as CPS spells it",
        gone={"case_outcomes": {("2016-01", "West Mercia")}},
    ),
    Case(
        "unknown force in a sample extract",
        lambda d: write(
            d,
            "flagged_outcomes/flagged_outcomes_2017_11.csv",
            [
                FLAGGED_HEADER,
                FLAGGED_GOOD_NOV,
                "2017-11,Gotham,Crown Court,Hate crime,Robbery,4,1",
            ],
        ),
        "error",
        "flagged_outcomes/flagged_outcomes_2017_11.csv",
        3,
        "force_area",
        "Gotham",
        "a police force area in data/reference/force_areas.csv",
        added={"flagged_outcomes": {"Warwickshire/Hate crime"}},
    ),
    Case(
        # Path order is byte order: 'Principal_…' sorts before 'principal_…', so the original
        # file is the second and is the one rejected.
        "the same month twice",
        lambda d: shutil.copyfile(
            d / CO_JAN, d / "case_outcomes/2016/Principal_Offence_Category_Jan.csv"
        ),
        "error",
        CO_JAN,
        2,
        "(whole file)",
        CO_JAN,
        "one file per month: 2016-01 is already loaded from "
        "case_outcomes/2016/Principal_Offence_Category_Jan.csv",
        verify=_same_month_verify,
        n_problems=43,  # one per line of the file
    ),
    Case(
        "a force twice in one case outcomes file",
        lambda d: repeat_last_line(d, CO_MAR),  # Wiltshire, line 44, again as line 45
        "error",
        CO_MAR,
        45,
        "(first column)",
        "Wiltshire",
        "each force once per file; Wiltshire is already at line 44",
    ),
    Case(
        "duplicate task id",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [TASKS_HEADER, T4, "T2,RASSO,Case review,Robbery,2017-11-02,2017-11-09,"],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        3,
        "task_id",
        "T2",
        "each task id once; already at tasks/tasks_2017_10.csv line 3",
        added={"tasks": {"T4"}},
        verify=_duplicate_id_verify,
    ),
    Case(
        "truncated last line of a sample extract",
        lambda d: (d / "tasks/tasks_2017_11.csv").write_text(
            f"{TASKS_HEADER}\n{T4}\nT5,RASSO,Case rev"
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        3,
        "(whole line)",
        "3 fields",
        "7 fields as in the header (the line looks truncated)",
        added={"tasks": {"T4"}},
        n_problems=2,  # and the task type 'Case rev'; no message for each field it lacks
    ),
    Case(
        "truncated last line of a case outcomes file",
        lambda d: truncate_last_line(d, CO_MAR, keep_fields=5),
        "error",
        CO_MAR,
        44,
        "(whole line)",
        "5 fields",
        "51 fields as in the header (the line looks truncated)",
        gone={"case_outcomes": {("2018-03", "Wiltshire")}},
    ),
    Case(
        "unquoted thousands separator (one field too many)",
        lambda d: write(
            d,
            "agent_spend/agent_spend_2017_11.csv",
            [
                SPEND_HEADER,
                P4,
                "P5,2017-11-02,Warwick Crown Court,Warwickshire,External counsel fee,Robbery,0,"
                "1,250.50",
            ],
        ),
        "error",
        "agent_spend/agent_spend_2017_11.csv",
        3,
        "(whole line)",
        "9 fields",
        "8 fields as in the header (an unquoted comma?)",
        added={"agent_spend": {"P4"}},
    ),
    Case(
        # 15 fields; the reader keeps the 7 of the header and 4 more, so it cannot say exactly.
        "far too many fields",
        lambda d: write(d, "tasks/tasks_2017_11.csv", [TASKS_HEADER, T4, T6 + ",a,b,c,d,e,f,g,h"]),
        "error",
        "tasks/tasks_2017_11.csv",
        3,
        "(whole line)",
        "at least 11 fields",
        "7 fields as in the header (an unquoted comma?)",
        added={"tasks": {"T4"}},
    ),
    Case(
        "spreadsheet saved with a .csv name",
        lambda d: write_xlsx(d, "tasks/tasks_2017_11.csv"),
        "error",
        "tasks/tasks_2017_11.csv",
        None,
        None,
        "an Excel workbook (.xlsx) saved with a .csv name",
        "Save As > CSV UTF-8",
    ),
    _blank_lines_case("blank lines in the middle (LF)", "", "\n"),
    _blank_lines_case("blank lines in the middle (CRLF)", "", "\r\n"),
    _blank_lines_case("blank lines in the middle (csv.gz)", "", "\n", gz=True),
    # An upper-case extension is read like its lower-case twin: as gzip, blank lines and all.
    _blank_lines_case(
        "upper-case .CSV.GZ extension", "", "\r\n", gz=True, rel="tasks/tasks_2017_11.CSV.GZ"
    ),
    Case(
        "upper-case .CSV extension",
        lambda d: (
            shutil.copyfile(d / CO_MAR, d / CO_FEB_UPPER),
            edit_cell(d, CO_FEB_UPPER, "Warwickshire", "Number of Homicide Convictions", "-1"),
        ),
        "error",
        CO_FEB_UPPER,
        40,
        "Number of Homicide Convictions",
        "-1",
        "a whole number of defendants, 0 or more",
        added={"case_outcomes": {("2018-02", a) for a in areas_in(CO_MAR)}},
        verify=_upper_case_verify,
        partly_loaded=1,
    ),
    Case(
        "a line of spaces after a blank line",
        lambda d: write(
            d,
            "tasks/tasks_2017_11.csv",
            [
                TASKS_HEADER,
                T4,
                "",
                "   ",
                "T5,RASSO,Case review,Robbery,2017-11-02,2017-10-32,",
                T6,
            ],
        ),
        "error",
        "tasks/tasks_2017_11.csv",
        4,
        "(whole line)",
        "1 fields",
        "7 fields as in the header (the line looks truncated)",
        added={"tasks": {"T4", "T6"}},
        verify=_physical_lines_verify,
        n_problems=3,  # and line 4's empty task id, and line 5's due date
    ),
    # A police force with no line at all: nothing is rejected, but the month's Area and National
    # totals lack it, so the file says so (and `check` prints it), naming the force.
    Case(
        "a force's line missing from a case outcomes file",
        lambda d: drop_area(d, CO_MAR, "Warwickshire"),
        "warning",
        CO_MAR,
        None,
        "(first column)",
        "Warwickshire",
        "a line for every police force area in data/reference/force_areas.csv",
        gone={"case_outcomes": {("2018-03", "Warwickshire")}},
    ),
    Case(
        "case outcomes file name gives no month",
        lambda d: shutil.copyfile(d / CO_JAN, d / "case_outcomes/2016/outcomes_jan.csv"),
        "error",
        "case_outcomes/2016/outcomes_jan.csv",
        None,
        None,
        "outcomes_jan.csv",
        "a file name that gives the month",
    ),
    Case(
        "short case outcomes file name outside a year folder",
        lambda d: shutil.copytree(
            d / "case_outcomes/2018", d / "case_outcomes/latest", dirs_exist_ok=True
        ),
        "error",
        "case_outcomes/latest/Principal_Offence_Category_Mar.csv",
        None,
        None,
        "Principal_Offence_Category_Mar.csv",
        "inside a folder named for the year",
    ),
    *GZ_CASES,
    *LINE_BREAK_CASES,
    *OPEN_QUOTE_CASES,
    *CORRECTED_REPEATS,
    *DATE_CASES,
]


def _matches(p, case: Case) -> bool:
    def same(got, want):
        return pd.isna(got) if want is None else got == want

    return p.file == case.file and same(p.line, case.line) and same(p.column, case.column)


def where(case: Case) -> str:
    """How `check` locates a problem: file, line, column."""
    text = case.file
    if case.line is not None:
        text += f", line {case.line}"
    if case.column in ("column 3", "column 6", "(whole line)", "(whole file)", "(first column)"):
        text += f", {case.column}"
    elif case.column:
        text += f", column {case.column}"
    return text


@pytest.fixture
def base(tmp_path) -> Path:
    return make_base(tmp_path / "data")


def test_the_good_folder_loads_with_no_problems(base, capsys):
    wh = Warehouse(base, db_path=None)
    wh.sync()
    assert wh.problems().empty
    assert loaded_keys(wh) == BASE_KEYS
    assert main(["check", str(base)]) == 0
    assert "No problems: every row of every file loaded." in capsys.readouterr().out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_reported_and_nothing_good_is_lost(base, case, capsys):
    case.corrupt(base)
    wh = Warehouse(base, db_path=None)
    wh.sync()
    problems = wh.problems()

    # The problem, where it is and why.
    found = [p for p in problems.itertuples() if _matches(p, case)]
    assert len(found) == 1, problems.drop(columns="record").to_string()
    p = found[0]
    assert p.severity == case.severity
    assert p.value == case.value
    assert case.reason in p.expected
    # Problems are confined to the file at fault, and not buried among consequential ones.
    assert set(problems.file) == {case.file}
    assert len(problems) == case.n_problems, problems.drop(columns="record").to_string()
    # No message shows where the server keeps its files (the data folder, or a copy of a file).
    for text in [*problems.value.dropna(), *problems.expected]:
        assert str(base) not in text and tempfile.gettempdir() + "/" not in text, text

    # Everything else loaded: the good rows of the same file, the other files, other extracts.
    expected = {
        name: (keys - case.gone.get(name, set())) | case.added.get(name, set())
        for name, keys in BASE_KEYS.items()
    }
    assert loaded_keys(wh) == expected
    if case.verify:
        case.verify(wh)

    # Nothing lost: each line read is either loaded or rejected (and so listed as a problem).
    summary = wh.summary().set_index("extract")
    read = wh.sql("SELECT extract, sum(rows_read)::BIGINT AS n FROM load_files GROUP BY ALL")
    for name, n in zip(read.extract, read.n, strict=True):
        s = summary.loc[name]
        # a partly loaded line counts as loaded and as rejected
        partly = case.partly_loaded if name == "case_outcomes" else 0
        assert s.rows_loaded + s.rows_rejected - partly == n, name
        assert s.rows_loaded == len(expected[name]), name

    # The command line says so, and fails.
    capsys.readouterr()
    assert print_check(wh, base, 0.0) == 1  # `check`'s report of this same load
    out = capsys.readouterr().out
    lines = [x.strip() for x in out.splitlines() if where(case) + ": " in x]
    assert lines, out
    line = lines[0]
    assert line.startswith(case.severity.upper())
    assert repr(case.value) in line and case.reason in line


def test_no_file_problem_shows_where_the_server_keeps_its_files(base, monkeypatch):
    """A reader's message naming a file by its absolute path names it relative to the data
    folder, as everywhere else; another absolute path (a working copy) is not shown."""
    import duckdb

    def refuse(self, extract, path, rel, mapping, con):
        raise duckdb.IOException(
            f"IO Error: Could not read '{path}' nor '/tmp/tmpab12cd/joined.csv'"
        )

    monkeypatch.setattr(Warehouse, "_read_raw", refuse)
    wh = Warehouse(base, db_path=None)
    wh.sync()
    got = wh.problems().set_index("file").loc["tasks/tasks_2017_10.csv"]
    assert got.expected == (
        "a CSV file the reader can read (IO Error: Could not read 'tasks/tasks_2017_10.csv' "
        "nor '(a path on the server)')"
    )
    reference = wh.problems().set_index("file").loc["reference/measures.csv"]
    assert reference.expected == (
        "a CSV file (IO Error: Could not read 'reference/measures.csv' "
        "nor '(a path on the server)')"
    )


def test_edit_cell_changes_only_that_cell(base):
    before = (base / CO_JAN).read_bytes()
    edit_cell(
        base, CO_JAN, "National", "Number of Offences Against The Person Convictions", "11,741"
    )
    assert (base / CO_JAN).read_bytes() == before
    edit_cell(base, CO_JAN, "National", "Number of Offences Against The Person Convictions", "7")
    after = (base / CO_JAN).read_bytes()
    assert after == before.replace(
        b'National,88,81.5%,20,18.5%,"11,741",', b"National,88,81.5%,20,18.5%,7,"
    )


def test_check_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert "No data folder at" in capsys.readouterr().err


# ---------------------------------------------------------------- incremental sync


@pytest.fixture
def persisted(base, tmp_path):
    """A warehouse in a database file, with every file it ingests recorded in `.ingested`."""
    opened = []

    def open_wh() -> Warehouse:
        wh = Warehouse(base, db_path=tmp_path / "wh.duckdb")
        wh.ingested = []
        real = wh._ingest_file

        def spy(extract, path, rel, *args):
            wh.ingested.append(rel)  # list.append is safe from the reader threads
            return real(extract, path, rel, *args)

        wh._ingest_file = spy
        opened.append(wh)
        return wh

    yield open_wh
    for wh in opened:
        wh.close()


ALL_FILES = sorted(
    [
        CO_JAN,
        CO_MAR,
        "agent_spend/agent_spend_2017_10.csv",
        "court_sessions/court_sessions_2017_10.csv",
        "flagged_outcomes/flagged_outcomes_2017_10.csv",
        "tasks/tasks_2017_10.csv",
    ]
)
# Every extract of the contract, in its order; an extract with no files is staged (empty) all the same.
ALL_EXTRACTS = ["case_outcomes", "flagged_outcomes", "agent_spend", "court_sessions", "tasks",
                "training", "vcl_letters", "tsj_reviews", "disclosure_assessments", "trials"]  # fmt: skip


def test_first_sync_reads_all_then_nothing_until_something_changes(persisted):
    wh = persisted()
    assert wh.sync().changed_extracts == ALL_EXTRACTS
    assert sorted(wh.ingested) == ALL_FILES
    wh.ingested.clear()
    assert wh.sync().changed_extracts == []
    assert wh.ingested == []
    wh.close()

    again = persisted()  # a new process on the same database file
    assert again.sync().changed_extracts == []
    assert again.ingested == []
    assert loaded_keys(again) == BASE_KEYS


@pytest.mark.parametrize("slow", ["_ingest_file", "_stage", "_derive_one"])
def test_a_sync_reports_where_its_seconds_went(base, tmp_path, monkeypatch, slow):
    """The sync's phases (read: until the last file is read; stage: until the last extract is
    staged; derive: the rest) add up to its time, and a phase made 100 s slower shows it in that
    phase alone: the benchmark's breakdown of a cold ingest rests on this. Every file's read, or
    the stage of the extract staged last, or the derived table made last (one at a time here,
    each as soon as what it needs is in place), is slowed. (The 100 s pass
    on the sync's clock, not the machine's, so the test does not hang on how busy the machine is:
    the real phases of this small sync take about a second.)"""
    monkeypatch.setattr(db, "READERS", 1)
    order = []
    real_stage, real_derive = Warehouse._stage, Warehouse._derive_one

    def staged(self, extract):
        order.append(("_stage", extract.name))
        return real_stage(self, extract)

    def derived(self, path, *args):
        order.append(("_derive_one", path.stem))
        return real_derive(self, path, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Warehouse, "_stage", staged)
        mp.setattr(Warehouse, "_derive_one", derived)
        Warehouse(base, db_path=tmp_path / "order.duckdb").sync()
    # the extract staged last; the derived table made last, after it
    last = [name for what, name in order if what == slow][-1:]
    assert order[-1][0] == "_derive_one"
    passed = [0.0]
    clock = types.SimpleNamespace(
        **{n: getattr(time, n) for n in dir(time) if not n.startswith("_")},
    )
    clock.perf_counter = lambda: time.perf_counter() + passed[0]
    monkeypatch.setattr(db, "time", clock)
    real = getattr(Warehouse, slow)
    files = 0

    def slowed(self, *args):
        nonlocal files
        out = real(self, *args)
        name = args[0].stem if slow == "_derive_one" else getattr(args[0], "name", "")
        if slow == "_ingest_file" or name in last:
            passed[0] += 100.0
            files += 1
        return out

    monkeypatch.setattr(Warehouse, slow, slowed)
    report = Warehouse(base, db_path=tmp_path / "slow.duckdb").sync()
    assert list(report.phases) == ["read", "stage", "derive"]
    assert sum(report.phases.values()) == pytest.approx(report.seconds, abs=1e-6)
    phase = {"_ingest_file": "read", "_stage": "stage", "_derive_one": "derive"}[slow]
    # every file read (six: two of case outcomes, one of each other extract), or the last
    # extract's stage, or the last derived table
    assert files == (6 if slow == "_ingest_file" else 1)
    assert 100.0 * files <= report.phases[phase] < 100.0 * files + 50
    for other in {"read", "stage", "derive"} - {phase}:
        assert report.phases[other] < 50, (other, report.phases)


def _touch(path: Path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _append_t4(path: Path):
    with path.open("a") as fh:
        fh.write(T4 + "\n")


@pytest.mark.parametrize(
    ("change", "tasks"),
    [(_touch, {"T1", "T2", "T3"}), (_append_t4, {"T1", "T2", "T3", "T4"})],
    ids=["touched", "modified"],
)
def test_a_changed_file_reingests_only_its_extract(base, persisted, change, tasks):
    wh = persisted()
    wh.sync()
    wh.ingested.clear()
    change(base / "tasks/tasks_2017_10.csv")
    assert wh.sync().changed_extracts == ["tasks"]
    assert wh.ingested == ["tasks/tasks_2017_10.csv"]
    assert loaded_keys(wh) == {**BASE_KEYS, "tasks": tasks}


def test_a_removed_file_takes_its_rows_with_it(base, persisted):
    wh = persisted()
    wh.sync()
    (base / CO_MAR).unlink()
    (base / "tasks/tasks_2017_10.csv").unlink()
    assert wh.sync().changed_extracts == ["case_outcomes", "tasks"]
    keys = loaded_keys(wh)
    assert keys["case_outcomes"] == {k for k in BASE_KEYS["case_outcomes"] if k[0] == "2016-01"}
    assert keys["tasks"] == set()
    assert list(wh.run_query("conviction_rate_by_month").month) == ["2016-01"]
    assert sorted(wh.sql("SELECT file FROM load_files").file) == [
        f for f in ALL_FILES if f not in (CO_MAR, "tasks/tasks_2017_10.csv")
    ]


@pytest.mark.parametrize(
    "april",
    [
        "case_outcomes/2018/principal_offence_category_april_2018.csv",
        "case_outcomes/2018/Principal_Offence_Category_Apr.CSV",  # as some exports name it
    ],
)
def test_next_months_file_appears_in_the_query(base, persisted, april):
    wh = persisted()
    wh.sync()
    wh.ingested.clear()
    shutil.copyfile(base / CO_MAR, base / april)
    assert wh.sync().changed_extracts == ["case_outcomes"]
    assert wh.ingested == [april]
    df = wh.run_query("conviction_rate_by_month", end="2018-04")
    # A copy of March: CPS West Midlands Area 86.4% (published for March 2018).
    assert list(zip(df.month, df.conviction_rate, strict=True)) == [
        ("2016-01", 85.2),
        ("2018-03", 86.4),
        ("2018-04", 86.4),
    ]


def test_resolving_a_duplicate_month_loads_the_other_file(base, persisted):
    wh = persisted()
    copy = "case_outcomes/2016/Principal_Offence_Category_Jan.csv"
    shutil.copyfile(base / CO_JAN, base / copy)
    wh.sync()
    assert set(wh.problems().file) == {CO_JAN}
    (base / copy).unlink()  # the second file (in path order) is now the only one
    wh.sync()
    assert wh.problems().empty
    files = wh.sql("SELECT DISTINCT file FROM stg_case_outcomes WHERE month = DATE '2016-01-01'")
    assert list(files.file) == [CO_JAN]


def test_fixing_a_reference_list_revalidates_unchanged_extracts(base, persisted):
    write(
        base,
        "agent_spend/agent_spend_2017_11.csv",
        [
            SPEND_HEADER,
            "P5,2017-11-02,Solihull Magistrates' Court,West Midlands,Agent session fee,,1,150.00",
        ],
    )
    wh = persisted()
    wh.sync()
    assert list(wh.problems().value) == ["Solihull Magistrates' Court"]
    with (base / "reference/court_centres.csv").open("a") as fh:
        fh.write("Solihull Magistrates' Court,Magistrates' court,West Midlands\n")
    wh.ingested.clear()
    assert wh.sync().changed_extracts == ALL_EXTRACTS  # every extract re-checked…
    # …without ingesting any extract file again (a file read straight into typed columns is
    # read again from disk for its staging; its text layer is not made)
    assert wh.ingested == []
    assert wh.problems().empty
    assert "P5" in loaded_keys(wh)["agent_spend"]


def test_a_database_from_older_code_is_rebuilt(base, persisted):
    wh = persisted()
    wh.sync()
    wh.con.execute("UPDATE meta SET value = 'older code' WHERE key = 'code'")
    wh.close()
    again = persisted()
    assert again.sync().changed_extracts == ALL_EXTRACTS
    assert sorted(again.ingested) == ALL_FILES
    assert loaded_keys(again) == BASE_KEYS


# ---------------------------------------------------------------- a sync that fails halfway


def _staged_counts(wh: Warehouse) -> dict[str, int]:
    return {
        name: int(wh.sql(f"SELECT count(*) AS n FROM stg_{name}").n.iloc[0])
        for name in ALL_EXTRACTS
    }


# Rows the files say (worked out from the fixture lines): 2 × 44 case outcome rows × 13
# categories (12 offence categories and admin finalised) are not counted here; the sample
# extracts' lines are.
BASE_COUNTS = {"tasks": 3, "agent_spend": 3, "court_sessions": 3, "flagged_outcomes": 2}


def test_two_extracts_changed_at_once_stage_only_their_changed_lines(base, persisted, monkeypatch):
    """Two small extracts changed in one sync are staged side by side, each by file: only the
    lines of its changed file (the keys of their old lines kept by the sync's own connection),
    not the November file beside it. (Two stagers whatever the machine's cores.)"""
    monkeypatch.setattr(db, "READERS", 2)
    write(base, "tasks/tasks_2017_11.csv", [TASKS_HEADER, T6])
    write(base, "agent_spend/agent_spend_2017_11.csv", [SPEND_HEADER, P4])
    wh = persisted()
    wh.sync()
    _append_t4(base / "tasks/tasks_2017_10.csv")
    p5 = "P5,2017-10-05,Birmingham Magistrates' Court,West Midlands,Agent session fee,,1,150.00"
    write(base, "agent_spend/agent_spend_2017_10.csv", [SPEND_HEADER, *SPEND, p5])
    assert wh.sync().changed_extracts == ["agent_spend", "tasks"]
    # each October file's four lines (one block of lines, which changed); the whole extracts
    # would be five each
    assert wh.staged_lines == {"agent_spend": 4, "tasks": 4}
    assert loaded_keys(wh) == {
        **BASE_KEYS,
        "tasks": {"T1", "T2", "T3", "T4", "T6"},
        "agent_spend": {"P1", "P2", "P3", "P4", "P5"},
    }
    assert wh.problems().empty


def test_duckdb_threads_are_cut_while_statements_run_side_by_side(base, monkeypatch):
    """DuckDB's threads and ours running statements side by side make the machine's cores: on
    4 cores, the pages' queries (QUERY_WORKERS 2 at a time) run on 3; a cold sync reading files
    READERS 2 at a time on 3 too, one reading a single file on all 4, and the pages' 3 again
    after each, even after a sync that failed. (Each statement is run by its own thread too.)"""
    monkeypatch.setattr(db, "CORES", 4)
    monkeypatch.setattr(db, "READERS", 2)
    monkeypatch.setattr(db, "QUERY_WORKERS", 2)
    real_stage = Warehouse._stage
    seen: list[int] = []
    fail = []

    def stage(self, extract):
        (n,) = self.con.execute("SELECT current_setting('threads')").fetchone()
        seen.append(n)
        if fail:
            raise RuntimeError("staging stopped")
        return real_stage(self, extract)

    monkeypatch.setattr(Warehouse, "_stage", stage)
    wh = Warehouse(base, db_path=None)

    def threads() -> int:
        return wh.con.execute("SELECT current_setting('threads')").fetchone()[0]

    assert threads() == 3
    wh.con.execute("SET threads = 2")  # the cold sync's 3 is its own, not the setting before
    assert wh.sync().changed_extracts == ALL_EXTRACTS
    assert seen == [3] * len(ALL_EXTRACTS) and threads() == 2
    seen.clear()
    _append_t4(base / "tasks/tasks_2017_10.csv")
    assert wh.sync().changed_extracts == ["tasks"]
    assert seen == [4] and threads() == 2
    seen.clear()
    fail.append(True)
    with pytest.raises(RuntimeError, match="staging stopped"):
        wh.sync(force=True)
    assert seen and set(seen) == {3} and threads() == 2
    wh.close()


def test_extracts_staged_side_by_side_load_and_report_what_one_at_a_time_does(base, monkeypatch):
    """Extracts are staged two at a time (READERS), each on a cursor of its own, beside the
    reading of other files: the rows loaded and the problems reported are those of reading and
    staging one at a time. One bad line in each of two extracts (hand-made: 32 October; a
    prosecutor who is neither)."""
    tasks = "tasks/tasks_2017_10.csv"
    sessions = "court_sessions/court_sessions_2017_10.csv"
    write(
        base, tasks, [TASKS_HEADER, *TASKS, "T9,RASSO,Case review,Robbery,2017-10-32,2017-11-01,"]
    )
    write(base, sessions, [SESSIONS_HEADER, *SESSIONS,
                           "S9,2017-10-04,Birmingham Magistrates' Court,Magistrates' court,AM,Trial,Robot"])  # fmt: skip
    real_stage = Warehouse._stage
    threads: dict[str, str] = {}

    def stage(self, extract):
        threads[extract.name] = threading.current_thread().name
        return real_stage(self, extract)

    monkeypatch.setattr(Warehouse, "_stage", stage)
    got = {}
    for stagers in (1, 2):
        monkeypatch.setattr(db, "READERS", stagers)
        threads.clear()
        wh = Warehouse(base, db_path=None)
        assert wh.sync().changed_extracts == ALL_EXTRACTS
        problems = wh.problems()[["extract", "file", "line", "column"]].values.tolist()
        got[stagers] = (loaded_keys(wh), _staged_counts(wh), problems, dict(threads))
        wh.close()
    one, two = got[1], got[2]
    assert one[2] == [
        ["court_sessions", sessions, 5, "prosecutor"],
        ["tasks", tasks, 5, "created_date"],
    ]
    assert one[:3] == two[:3]
    assert one[0] == BASE_KEYS and one[1]["tasks"] == 3 and one[1]["court_sessions"] == 3
    # one at a time on the sync's own thread; side by side on the stagers' (all ten are small)
    assert set(one[3].values()) == {threading.current_thread().name}
    assert sorted(one[3]) == sorted(two[3]) == sorted(ALL_EXTRACTS)
    assert all(name.startswith("cjsperf-stage") for name in two[3].values())


@pytest.mark.parametrize("first_sync_fails", [True, False], ids=["first sync", "later sync"])
def test_a_sync_that_fails_after_reading_is_made_good_by_the_next(
    base, persisted, monkeypatch, first_sync_fails
):
    if not first_sync_fails:
        wh = persisted()
        wh.sync()
        wh.close()
    _append_t4(base / "tasks/tasks_2017_10.csv")
    write(base, "agent_spend/agent_spend_2017_11.csv", [SPEND_HEADER, P4])
    real_stage = Warehouse._stage
    staged = []

    def fail_on_the_second(self, extract):
        if len(staged) == 1:  # one extract staged, the next not
            raise RuntimeError("killed")
        staged.append(extract.name)
        return real_stage(self, extract)

    monkeypatch.setattr(Warehouse, "_stage", fail_on_the_second)
    monkeypatch.setattr(db, "READERS", 1)  # one at a time: nothing else is staged meanwhile
    wh = persisted()
    with pytest.raises(RuntimeError, match="killed"):
        wh.sync()
    assert len(staged) == 1
    wh.close()
    monkeypatch.setattr(Warehouse, "_stage", real_stage)

    again = persisted()  # a new process on the same database file
    again.sync()
    counts = _staged_counts(again)
    assert {k: counts[k] for k in BASE_COUNTS} == {**BASE_COUNTS, "tasks": 4, "agent_spend": 4}
    assert loaded_keys(again) == {
        **BASE_KEYS,
        "tasks": {"T1", "T2", "T3", "T4"},
        "agent_spend": {"P1", "P2", "P3", "P4"},
    }
    assert again.problems().empty
    # and then it is up to date: nothing more to do
    assert again.sync().changed_extracts == []


def test_a_sync_killed_while_reading_files_reads_them_again(base, persisted, monkeypatch):
    wh = persisted()
    wh.sync()
    wh.close()
    _append_t4(base / "tasks/tasks_2017_10.csv")
    write(base, "tasks/tasks_2017_11.csv", [TASKS_HEADER, T6])
    real = Warehouse._read_raw
    read = []

    def killed_after_reading_the_second(self, extract, path, rel, *args):
        out = real(self, extract, path, rel, *args)  # its rows are in raw_tasks now
        read.append(rel)
        if len(read) == 2:
            raise RuntimeError("killed")  # before the file is recorded in load_files
        return out

    monkeypatch.setattr(Warehouse, "_read_raw", killed_after_reading_the_second)
    monkeypatch.setattr("cjsperf.db.READERS", 1)
    broken = Warehouse(base, db_path=base.parent / "wh.duckdb")
    with pytest.raises(RuntimeError, match="killed"):
        broken.sync()
    broken.close()
    monkeypatch.setattr(Warehouse, "_read_raw", real)

    again = persisted()
    again.sync()
    assert loaded_keys(again) == {**BASE_KEYS, "tasks": {"T1", "T2", "T3", "T4", "T6"}}
    assert _staged_counts(again)["tasks"] == 5
    assert again.problems().empty


def test_the_tasks_extract_is_as_at_the_end_of_its_period_not_its_latest_date(base):
    # T8 completed 2017-12-20: within 31 days of the period's end (2017-11-30, from the file
    # name), so it loads, but it does not make the extract as at the end of December.
    write(base, "tasks/tasks_2017_11.csv", [
        TASKS_HEADER, T4, "T8,RASSO,Case review,Robbery,2017-11-20,2017-12-15,2017-12-20"])  # fmt: skip
    wh = Warehouse(base, db_path=None)
    wh.sync()
    assert wh.problems().empty
    as_at = wh.sql("SELECT DISTINCT as_at::VARCHAR AS d FROM tasks_for('All crime')")
    assert list(as_at.d) == ["2017-11-30"]
    # T4 (open, due 2017-11-02) is overdue at 2017-11-30; T8 (due 12-15, done 12-20) is judged,
    # because it was completed, and late
    due = wh.sql(
        "SELECT task_id, judged, on_time, open_overdue FROM tasks_due('All crime', '2017-11', "
        "'2017-12') ORDER BY 1"
    )
    assert [tuple(r) for r in due.itertuples(index=False)] == [
        ("T4", True, False, True),
        ("T8", True, False, False),
    ]


# ---------------------------------------------------------------- staging only what changed
NOV = "tasks/tasks_2017_11.csv"


def _task_problems(wh: Warehouse) -> list[tuple]:
    df = wh.problems()
    df = df[df.extract == "tasks"]
    return [(r.file, int(r.line), r.column, r.value, r.expected) for r in df.itertuples()]


def test_touching_one_file_stages_only_its_lines(base, persisted):
    write(base, NOV, [TASKS_HEADER, T4, T6])
    wh = persisted()
    wh.sync()
    assert wh.staged_lines["tasks"] == 5  # the first sync stages every line: 3 + 2
    _touch(base / NOV)
    assert wh.sync().changed_extracts == ["tasks"]
    # the touched file is read again; its lines are as they were (the fingerprint of their block
    # is the one stored), so none is staged again, and nothing else is
    assert wh.ingested[-1] == NOV
    assert wh.staged_lines == {"tasks": 0}
    assert loaded_keys(wh) == {**BASE_KEYS, "tasks": {"T1", "T2", "T3", "T4", "T6"}}
    assert int(wh.sql("SELECT lines FROM stage_counts WHERE extract = 'tasks'").lines[0]) == 5
    assert wh.problems().empty
    # one value changed (T6's team): the block holding it (both lines, at 1024 lines a block)
    write(base, NOV, [TASKS_HEADER, T4, T6.replace("RASSO", "Complex Casework")])
    assert wh.sync().changed_extracts == ["tasks"]
    assert wh.staged_lines == {"tasks": 2}  # the two lines of the touched file, nothing else
    t6 = wh.sql("SELECT file, line, team FROM stg_tasks WHERE task_id = 'T6'")
    assert [tuple(r) for r in t6.itertuples(index=False)] == [(NOV, 3, "Complex Casework")]
    assert int(wh.sql("SELECT lines FROM stage_counts WHERE extract = 'tasks'").lines[0]) == 5
    assert wh.problems().empty


def test_a_repeat_in_the_touched_file_of_an_untouched_files_id_is_caught(base, persisted):
    write(base, NOV, [TASKS_HEADER, T4])
    wh = persisted()
    wh.sync()
    t2_again = "T2,RASSO,Case review,Robbery,2017-11-05,2017-11-09,"
    write(base, NOV, [TASKS_HEADER, T4, t2_again])
    assert wh.sync().changed_extracts == ["tasks"]
    # the touched file's 2 lines and the untouched October file's 3: October was kept as read
    # (its lines leave the view over the kept files, so all are staged from the text layer)
    assert wh.staged_lines == {"tasks": 2 + 3}
    assert _task_problems(wh) == [
        (NOV, 3, "task_id", "T2", "each task id once; already at tasks/tasks_2017_10.csv line 3")
    ]
    t2 = wh.sql("SELECT file, line, team FROM stg_tasks WHERE task_id = 'T2'")
    assert [tuple(r) for r in t2.itertuples(index=False)] == [
        ("tasks/tasks_2017_10.csv", 3, "Complex Casework")
    ]


def test_a_new_earlier_file_rejects_the_repeat_in_an_untouched_file_and_removing_it_restores_it(
    base, persisted
):
    wh = persisted()
    wh.sync()
    sept = "tasks/tasks_2017_09.csv"
    t1_first = "T1,RASSO,Correspondence,Robbery,2017-09-28,2017-10-02,2017-09-29"
    write(base, sept, [TASKS_HEADER, t1_first])
    assert wh.sync().changed_extracts == ["tasks"]
    # September's line and October's 3: October, kept as read and sharing T1 (line 2), leaves
    # the view over the kept files, so all its lines are staged from the text layer
    assert wh.staged_lines == {"tasks": 1 + 3}
    # September comes first in path order: October's T1, untouched, is now the repeat
    assert _task_problems(wh) == [
        ("tasks/tasks_2017_10.csv", 2, "task_id", "T1",
         "each task id once; already at tasks/tasks_2017_09.csv line 2")
    ]  # fmt: skip
    t1 = wh.sql("SELECT file, task_type FROM stg_tasks WHERE task_id = 'T1'")
    assert [tuple(r) for r in t1.itertuples(index=False)] == [(sept, "Correspondence")]
    (base / sept).unlink()
    assert wh.sync().changed_extracts == ["tasks"]
    assert wh.staged_lines == {"tasks": 1}  # October's T1, which shared a key with the old lines
    assert wh.problems().empty
    assert loaded_keys(wh) == BASE_KEYS
    t1 = wh.sql("SELECT file, line, task_type FROM stg_tasks WHERE task_id = 'T1'")
    assert [tuple(r) for r in t1.itertuples(index=False)] == [
        ("tasks/tasks_2017_10.csv", 2, "Case review")
    ]


def test_a_clean_file_that_gets_a_bad_line_reports_it_and_the_rest_loads(base, persisted):
    write(base, NOV, [TASKS_HEADER, T4])
    wh = persisted()
    wh.sync()
    bad = "T7,RASSO,Case review,Robbery,2017-13-01,2017-11-20,"
    write(base, NOV, [TASKS_HEADER, T4, bad, T6])
    wh.sync()
    assert wh.staged_lines == {"tasks": 3}
    assert _task_problems(wh) == [
        (NOV, 3, "created_date", "2017-13-01", "a real date as YYYY-MM-DD, e.g. 2017-10-02")
    ]
    assert loaded_keys(wh)["tasks"] == {"T1", "T2", "T3", "T4", "T6"}
    # fixed again: the line loads and its problem goes
    write(base, NOV, [TASKS_HEADER, T4, bad.replace("2017-13-01", "2017-11-01"), T6])
    wh.sync()
    assert wh.problems().empty
    assert loaded_keys(wh)["tasks"] == {"T1", "T2", "T3", "T4", "T6", "T7"}


def test_a_period_that_moves_stages_the_whole_extract(base, persisted):
    wh = persisted()
    wh.sync()
    # a December file moves the latest period of the tasks (completed and due dates are judged
    # against it): every line is judged again
    write(base, "tasks/tasks_2017_12.csv", [TASKS_HEADER, T6])
    wh.sync()
    assert wh.staged_lines == {"tasks": 4}


def test_a_sync_bounds_duckdbs_memory_and_gives_the_pages_theirs_back(base, tmp_path, monkeypatch):
    """While a sync reads and stages, DuckDB may hold 1500 MB (cjsperf.db.INGEST_MEMORY_MB) and
    spills beyond it next to the database file; the pages' queries get the limit it had before."""
    import duckdb

    probe = duckdb.connect()
    probe.execute("SET memory_limit = '1500MB'")
    (bounded,) = probe.execute("SELECT current_setting('memory_limit')").fetchone()
    probe.close()
    wh = Warehouse(base, db_path=tmp_path / "wh.duckdb")
    (before,) = wh.con.execute("SELECT current_setting('memory_limit')").fetchone()
    seen = []
    real = Warehouse._stage

    def spy(self, extract):
        seen.append(self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return real(self, extract)

    monkeypatch.setattr(Warehouse, "_stage", spy)
    wh.sync()
    assert seen and set(seen) == {bounded} and bounded != before
    (after,) = wh.con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert after[:2] == before[:2]  # DuckDB rounds the value it shows (18.8 GiB → 18.7 GiB)
    assert loaded_keys(wh) == BASE_KEYS
    wh.close()


def test_shared_macros_are_made_again_only_when_their_text_changes(tmp_path):
    """queries/shared/*.sql runs on a sync only when its text differs from the last it ran or one
    of its macros is missing (a sync with nothing changed made every shared macro again: ~40 ms
    at each start)."""
    root = make_base(tmp_path / "data")
    wh = Warehouse(root, db_path=tmp_path / "w.duckdb")
    wh.sync()

    def definition(name: str) -> str | None:
        rows = wh.con.execute(
            "SELECT macro_definition FROM duckdb_functions() WHERE function_name = ?", [name]
        ).fetchall()
        return rows[0][0] if rows else None

    assert "stg_training" in definition("training_for")
    wh.con.execute("CREATE OR REPLACE MACRO training_for(grp) AS TABLE SELECT 1 AS sentinel")
    wh.sync()  # the text is what ran last and every macro is there: not run again
    assert "sentinel" in definition("training_for")
    wh.con.execute("DROP MACRO TABLE tsj_reviews_judged")
    wh.sync()  # one is missing: all made again
    assert definition("tsj_reviews_judged") and "stg_training" in definition("training_for")
    wh.con.execute("CREATE OR REPLACE MACRO training_for(grp) AS TABLE SELECT 1 AS sentinel")
    wh.con.execute("UPDATE meta SET value = 'older text' WHERE key = 'shared'")
    wh.sync()  # another text ran last: made again
    assert "stg_training" in definition("training_for")
    wh.close()


def test_derived_tables_are_made_again_when_what_they_read_changes_and_only_then(tmp_path):
    """queries/derived/*.sql: outcome_units, the rows the conviction rate queries read, is made on
    the first sync; kept on a sync that changed nothing it reads (nothing at all, or a tasks
    file); made again when a case outcomes file changes, so the figures follow the file; and made
    again when it is missing."""
    root = make_base(tmp_path / "data")
    wh = Warehouse(root, db_path=tmp_path / "w.duckdb")
    wh.sync()

    def rate():  # Staffordshire, Burglary, March 2018: 11 convictions, 3 unsuccessful in the file
        return wh.run_query(
            "conviction_rate_by_month", area="Staffordshire", crime_type="Burglary",
            start="2018-03", end="2018-03",
        )  # fmt: skip

    def rows() -> int:
        return wh.con.execute("SELECT count(*) FROM outcome_units").fetchall()[0][0]

    first = rate()
    assert (first.convictions[0], first.unsuccessful[0], first.conviction_rate[0]) == (11, 3, 78.6)
    wh.con.execute("DELETE FROM outcome_units")  # a sentinel: emptied, so a remake shows
    wh.sync()
    assert rows() == 0  # nothing changed: not made again
    write(root, "tasks/tasks_2017_10.csv", [TASKS_HEADER, *TASKS[:-1]])
    assert wh.sync().changed_extracts == ["tasks"]
    assert rows() == 0  # a file it does not read changed: not made again
    edit_cell(root, CO_MAR, "Staffordshire", "Number of Burglary Convictions", "25")
    wh.sync()
    after = rate()  # 25 / (25 + 3) = 89.29%
    assert (after.convictions[0], after.unsuccessful[0], after.conviction_rate[0]) == (25, 3, 89.3)
    wh.con.execute("DROP TABLE outcome_units")
    wh.sync()
    assert rate().conviction_rate[0] == 89.3
    wh.close()


def test_derived_reads_follows_the_shared_macros():
    """vcl_letter_cells reads vcl_letters_due through the macro vcl_marked (queries/shared/vcl.sql,
    read by hand); tasks_due_cells and outcome_units read no derived table."""
    from cjsperf.queries import derived_reads

    reads = derived_reads()
    assert reads["vcl_letter_cells"] == {"vcl_letters_due"}
    assert reads["tasks_due_cells"] == reads["outcome_units"] == frozenset()


def test_a_derived_table_that_reads_another_is_made_once_that_one_is_made(base, monkeypatch):
    """Derived tables are made two at a time on the stagers' cursors, each once; one that reads
    another of the same sync's tables starts only once that one is made. outcome_units is said to
    read vcl_letter_cells: both call a shared macro, so only this rule orders them. On a build
    from nothing the shared macros are made once vcl_letters_due (which vcl_marked reads) is, and
    before any table whose query calls one starts."""
    monkeypatch.setattr(db, "READERS", 2)
    reads = {**db.derived_reads(), "outcome_units": frozenset({"vcl_letter_cells"})}
    assert reads["training_open_cells"] == {"training_span"}  # the real ones kept
    monkeypatch.setattr(db, "derived_reads", lambda: reads)
    events: list[tuple[str, str, str]] = []
    real = Warehouse._derive_one

    def derive_one(self, path, *args):
        events.append(("start", path.stem, threading.current_thread().name))
        try:
            return real(self, path, *args)
        finally:
            events.append(("end", path.stem, threading.current_thread().name))

    monkeypatch.setattr(Warehouse, "_derive_one", derive_one)
    real_stage = Warehouse._stage

    def stage(self, extract):
        real_stage(self, extract)
        events.append(("end", f"stage {extract.name}", threading.current_thread().name))

    monkeypatch.setattr(Warehouse, "_stage", stage)
    wh = Warehouse(base, db_path=None)
    real_as_ready = Warehouse._as_ready

    def as_ready(self, deps, work, weight, **kw):
        macro = next(k for k in work if k.startswith("("))
        make = work[macro]

        def made():
            events.append(("start", "macros", threading.current_thread().name))
            make()
            events.append(("end", "macros", threading.current_thread().name))

        return real_as_ready(self, deps, {**work, macro: made}, weight, **kw)

    monkeypatch.setattr(Warehouse, "_as_ready", as_ready)
    wh.sync()
    starts = [name for what, name, _ in events if what == "start"]
    assert sorted(starts) == sorted([*(p.stem for p in db.DERIVED_DIR.glob("*.sql")), "macros"])
    made = [e[:2] for e in events]
    assert made.index(("end", "vcl_letter_cells")) < made.index(("start", "outcome_units"))
    assert made.index(("end", "vcl_letters_due")) < made.index(("start", "macros"))
    staged = [name for what, name in made if name.startswith("stage ")]
    assert sorted(staged) == sorted(f"stage {e}" for e in ALL_EXTRACTS)  # every one, once
    assert max(made.index(("end", n)) for n in staged) < made.index(("start", "macros"))
    calling = {"outcome_units", "disclosure_cells", "tasks_due_cells", "trial_cells",
               "tsj_reviews_due_cells", "vcl_letter_cells", "training_due_cells",
               "training_open_cells"}  # fmt: skip
    for table in calling:
        assert made.index(("end", "macros")) < made.index(("start", table)), table
    on_workers = {n for _, n, thread in events if thread.startswith("cjsperf-stage")}
    assert on_workers - set(staged) == set(starts)
    wh.close()


def test_derived_work_starts_as_soon_as_what_it_reads_is_made_not_in_waves(tmp_path, monkeypatch):
    """`_as_ready`: c reads only a. Made in waves ({a, b}, then c), c would wait for b; b here
    waits for c to start, so it ends only if c starts as soon as a is made (b still running)."""
    monkeypatch.setattr(db, "READERS", 2)
    wh = Warehouse(make_base(tmp_path / "data"), db_path=None)
    c_started = threading.Event()
    order: list[str] = []

    def job(name):
        def run():
            order.append(name)
            if name == "b":
                assert c_started.wait(10), "c waited for b"
            if name == "c":
                c_started.set()

        return run

    deps = {"a": set(), "b": set(), "c": {"a"}}
    wh._as_ready(deps, {k: job(k) for k in deps}, {"a": 3, "b": 2, "c": 1})
    assert sorted(order[:2]) == ["a", "b"] and order[2] == "c"
    # a failure: what waits for it never runs, the rest does, and the failure is raised
    order.clear()

    def fails():
        order.append("a")
        raise OSError("a failed")

    with pytest.raises(OSError, match="a failed"):
        wh._as_ready(
            {"a": set(), "b": set(), "c": {"a"}},
            {"a": fails, "b": lambda: order.append("b"), "c": lambda: order.append("c")},
            {"a": 2, "b": 1, "c": 0},
        )
    assert sorted(order) == ["a", "b"]
    wh.close()


@pytest.mark.parametrize("inflate", ["isal", "zlib"])
@pytest.mark.parametrize("piece", [1, 3, 7, 64])
def test_a_blank_line_is_found_in_a_gz_file_wherever_the_pieces_break(tmp_path, piece, inflate):
    """`_gz_has_blank_line` reads a .gz file in pieces: a blank line (LF LF, or LF CR LF) is
    found wherever a piece ends, in a file of one gzip member or two; a CRLF file has none.
    The same with ISA-L's inflate (installed by requirements.txt) and with zlib (without it)."""
    import zlib

    from isal import isal_zlib

    from cjsperf.db import _gz_has_blank_line

    module = {"isal": isal_zlib, "zlib": zlib}[inflate]

    lines = [b"T%d,RASSO,Case review" % i for i in range(12)]
    path = tmp_path / "t.csv.gz"
    for nl in (b"\n", b"\r\n"):
        for at in range(1, len(lines)):
            for blank in (False, True):
                body = lines[:at] + ([b""] if blank else []) + lines[at:]
                data = nl.join(body) + nl
                half = len(data) // 2
                for packed in (
                    gzip.compress(data),
                    gzip.compress(data[:half]) + gzip.compress(data[half:]),
                ):
                    path.write_bytes(packed)
                    found = _gz_has_blank_line(path, piece, module)
                    assert found is blank, (nl, at, blank)
    path.write_bytes(gzip.compress(b"a,b\n1,2\n")[:-12] + b"not gzip")  # a broken end
    assert _gz_has_blank_line(path, piece, module) is True  # the text layer will say where


def test_gz_files_are_inflated_with_isal_where_installed():
    """ISA-L inflates a .gz file about 3x faster than zlib; requirements.txt installs it, and the
    blank-line scan takes it (zlib only where it cannot be installed)."""
    from cjsperf.db import _inflate_module

    assert _inflate_module().__name__ == "isal.isal_zlib"


def test_a_gz_file_with_a_bad_row_is_searched_for_blank_lines_once(base, monkeypatch):
    """The typed read turns down a file with a bad row, which is then read as text: both need its
    blank lines, and the .csv.gz file is decompressed for them once, not twice."""
    from cjsperf import db

    real, scanned = db._gz_has_blank_line, []
    monkeypatch.setattr(
        db, "_gz_has_blank_line", lambda p, *a: scanned.append(p.name) or real(p, *a)
    )
    bad = "T5,RASSO,Case review,Sexual Offences,2017-11-02,2017-10-32,"
    write_gz(base, "tasks/tasks_2017_11.csv.gz", [TASKS_HEADER, T4, "", bad, T6])
    wh = Warehouse(base, db_path=None)
    wh.sync()
    assert scanned == ["tasks_2017_11.csv.gz"]
    assert wh.problems().set_index("file").loc["tasks/tasks_2017_11.csv.gz", "line"] == 4


def _cell(root: Path, rel: str, area: str, column: str) -> int:
    """A count as the case outcomes file gives it ("1,234" → 1234)."""
    rows = list(csv.reader(io.StringIO((root / rel).read_text(encoding="utf-8"), newline="")))
    (row,) = [r for r in rows if r[0] == area]
    return int(row[rows[0].index(column)].replace(",", ""))


def test_a_category_total_that_lacks_a_force_month_says_which(tmp_path):
    """Warwickshire's Homicide count for Mar 2018 rejected (-1): CPS West Midlands' Homicide total
    over Jan 2016 and Mar 2018 is the other seven force-months, read from the files, and says
    Warwickshire (Mar 2018) is missing; the other 11 categories are whole."""
    base = make_base(tmp_path / "data")
    column = "Number of Homicide Convictions"
    edit_cell(base, CO_MAR, "Warwickshire", column, "-1")
    wh = Warehouse(base, db_path=None)
    wh.sync()
    cats = wh.run_query("conviction_rate_by_category", area="CPS West Midlands")
    assert len(cats) == 12
    cats = cats.set_index("offence_category")
    forces = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")
    expected = sum(_cell(base, CO_JAN, f, column) for f in forces) + sum(
        _cell(base, CO_MAR, f, column) for f in forces if f != "Warwickshire"
    )
    assert cats.loc["Homicide", "convictions"] == expected
    assert cats.loc["Homicide", "missing"] == "Warwickshire in Mar 2018"
    assert cats["missing"].drop("Homicide").isna().all()
    wh.close()


# Every Unicode space separator (category Zs), worked out from Python's own tables: what DuckDB's
# trim drops from both ends of a value, and so what `tidy` must drop.
_ZS = "".join(chr(i) for i in range(0x110000) if unicodedata.category(chr(i)) == "Zs")


@pytest.mark.parametrize(
    "value",
    [" a", "a ", "  a b  ", "a b", "", " ", "\u00a0a", "a\u00a0", "a\u3000", "\u2009x\u2009",
     "\u202f", "é", " é ", "é ", "a\u00a0b", "\ta\t", "\na\r", "a\r\n", "Robbery", "O'Brien ",
     "\U0001f600 ", "\u1680a", "\u205fa\u205f", "\u200ba", "a\u00ad", None],
    ids=repr,
)  # fmt: skip
def test_tidy_drops_what_trim_drops_and_nothing_else(value, tmp_path):
    """`tidy`, staging's cheaper trim, gives what DuckDB's trim gives for every kind of value:
    ASCII spaces, each Unicode space separator, tabs and line ends (kept), non-ASCII letters, a
    zero-width space (not a separator: kept) and NULL."""
    wh = Warehouse(make_base(tmp_path / "data"), db_path=None)
    got, trimmed = wh.con.execute("SELECT tidy($v), trim($v)", {"v": value}).fetchone()
    want = None if value is None else value.strip(_ZS)
    assert got == want
    assert trimmed == want
    wh.close()


def test_tidy_drops_every_space_separator(tmp_path):
    wh = Warehouse(make_base(tmp_path / "data"), db_path=None)
    padded = [f"{c}x{c}" for c in _ZS]
    got = wh.con.execute("SELECT list_transform($v, lambda s: tidy(s))", {"v": padded}).fetchone()[
        0
    ]
    assert len(_ZS) == 17 and got == ["x"] * 17
    wh.close()


@pytest.mark.parametrize("limit", [2, 3])
def test_a_typed_file_of_more_than_stage_rows_lines_keeps_no_checked_lines_in_memory(
    base, monkeypatch, limit
):
    """The checked lines of a typed staging query are kept once (MATERIALIZED) only when its
    files hold at most STAGE_ROWS lines (KEEP_CHECK_ROWS for the query that checks files to keep
    as read, tasks here); a single file of more is a group of its own and is staged without (as
    the text layer is), with the same rows either way."""
    seen = []
    real = Warehouse._typed_query

    def spy(self, extract, typed, sql, only=None, materialize=False):
        query = real(self, extract, typed, sql, only, materialize)
        lines = sum(
            self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in typed.values()
        )
        seen.append((extract.name, lines, "AS MATERIALIZED" in query))
        return query

    monkeypatch.setattr(Warehouse, "_typed_query", spy)
    monkeypatch.setattr(db, "STAGE_ROWS", limit)
    monkeypatch.setattr(db, "KEEP_CHECK_ROWS", limit)
    wh = Warehouse(base, db_path=None)
    wh.sync()
    assert loaded_keys(wh) == BASE_KEYS and wh.problems().empty
    # three typed files of three lines each (agent spend, court sessions, tasks)
    assert sorted(seen) == [(e, 3, limit == 3) for e in ("agent_spend", "court_sessions", "tasks")]
    wh.close()


def test_side_by_side_work_raises_the_first_failure_and_names_the_others(base, monkeypatch):
    """Two items running side by side both fail: the one started first is raised, naming the
    other; the item waiting for one of them never starts."""
    monkeypatch.setattr(db, "READERS", 2)
    wh = Warehouse(base, db_path=None)
    both = threading.Barrier(2, timeout=10)
    ran = []

    def fails(item):
        def run():
            ran.append(item)
            both.wait()  # both are running before either fails
            raise ValueError(item)

        return run

    work = {"refs": fails("refs"), "files": fails("files"), "after": lambda: ran.append("after")}
    with pytest.raises(ValueError, match="refs") as caught:
        wh._as_ready({"refs": set(), "files": set(), "after": {"files"}}, work, {"refs": 2})
    assert caught.value.__notes__ == ["Also failed meanwhile: ValueError('files')"]
    assert sorted(ran) == ["files", "refs"]
    wh.close()
