"""The Data quality page, under AppTest, over the real files and over a deliberately broken copy.

Expected values are worked out here from the files with csv/gzip and by hand, never taken from
cjsperf's own output. The broken copy of data/ has a spreadsheet saved as a case outcomes .csv,
a tasks row with an impossible date, and a National total nudged by 7 defendants.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from cjsperf import downloads
from tests.apptest_support import DATA

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

XLSX_FILE = "case_outcomes/2014/principal_offence_category_july_2014.csv"
TASKS_FILE = "tasks/tasks_2016-17.csv.gz"
TASK_LINE = 5  # physical line of the broken task (line 1 is the header)
BAD_DUE = "2017-02-30"
TAMPERED_FILE = "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
TAMPER = 7  # added to National's Drugs Offences convictions in Mar 2018


# ----------------------------------------------------------------------------- helpers
def file_month(path: Path) -> str:
    """Month of a published file, from its name (or its folder for the short names)."""
    stem = path.name.lower().removesuffix(".csv")
    parts = stem.split("_")
    year = parts[-1] if parts[-1].isdigit() else path.parent.name
    return f"{year}-{MONTH_NAMES.index(parts[3][:3]) + 1:02d}"


def month_span(first: str, last: str) -> list[str]:
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def data_lines(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def half_up(num: int, den: int) -> Decimal:
    return (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def frame_with(at, column: str) -> pd.DataFrame:
    """The first st.dataframe on the page that has this column."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a '{column}' column")


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "warning", "info")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def summary_row(at, title_start: str) -> pd.Series:
    table = at.table[0].value
    row = table[table["Extract"].str.startswith(title_start)]
    assert len(row) == 1, table["Extract"].tolist()
    return row.iloc[0]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def broken_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("broken") / "data"
    shutil.copytree(DATA, root, ignore=shutil.ignore_patterns(".*"))
    # 1. A spreadsheet saved with a .csv name, in place of a month's case outcomes.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    (root / XLSX_FILE).write_bytes(buf.getvalue())
    # 2. One task with a due date that does not exist.
    with gzip.open(root / TASKS_FILE, "rt", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][5] == "due_date"
    rows[TASK_LINE - 1][5] = BAD_DUE
    with gzip.open(root / TASKS_FILE, "wt", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    # 3. National's Drugs Offences convictions no longer the sum of the forces.
    path = root / TAMPERED_FILE
    rows = list(csv.reader(path.open(newline="")))
    col = rows[0].index("Number of Drugs Offences Convictions")
    national = next(r for r in rows if r[0] == "National")
    national[col] = f"{int(national[col].replace(',', '')) + TAMPER:,}"
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return root


@pytest.fixture(scope="module")
def broken_app(broken_data, tmp_path_factory, run_page):
    with run_page(broken_data, tmp_path_factory.mktemp("db"), "pages/data_quality.py") as at:
        yield at


# ----------------------------------------------------------------------------- real data
def test_real_files_all_loaded_months_missing_and_national_adds_up(
    real_data_dir, tmp_path, run_page
):
    """Only the 45 published files (and the reference lists): no sample extracts at all."""
    files = sorted((DATA / "case_outcomes").glob("*/*.csv"))
    months = sorted(file_month(p) for p in files)
    missing = [m for m in month_span(months[0], months[-1]) if m not in months]
    # SOURCE.md: never published in the copies found.
    assert missing == ["2015-11", "2016-02", "2016-03", "2017-04", "2017-05", "2017-06"]
    # National equals the sum of the 42 force rows in every "Number of" column of every file.
    mismatches = 0
    for p in files:
        rows = list(csv.reader(p.open(newline="")))
        nums = [i for i, h in enumerate(rows[0]) if h.startswith("Number of")]
        national = next(r for r in rows[1:] if r[0] == "National")
        forces = [r for r in rows[1:] if r[0] != "National"]
        assert len(forces) == 42
        for i in nums:
            total = sum(int(r[i].replace(",", "")) for r in forces)
            mismatches += total != int(national[i].replace(",", ""))
    assert mismatches == 0

    with run_page(real_data_dir, tmp_path, "pages/data_quality.py") as at:
        assert not at.exception
        text = all_text(at)
        assert at.title[0].value == "Data quality"
        assert f"{len(months)} of the {len(months) + len(missing)} months" in text
        assert "Missing: **Nov 2015; Feb–Mar 2016; Apr–Jun 2017**" in text
        assert "Every row of every file loaded" in text
        assert "not filtered" in text
        assert "Open Government Licence v3.0" in text
        assert "provisional management information, not official statistics" in text
        assert "new data assurance regime" in text
        assert "data/case_outcomes/<year>/" in text
        # 13 checks a month: 12 categories and administratively finalised.
        assert metric(at, "Month and category checks") == f"{13 * len(months):,}"
        assert metric(at, "Mismatches") == "0"
        assert metric(at, "Biggest difference (defendants)") == "0"
        row = summary_row(at, "Case outcomes")
        assert row["Data"] == "Real (CPS published)"
        assert (row["Files"], row["Files refused"], row["Rows rejected"]) == (45, 0, 0)
        assert row["Rows loaded"] == sum(data_lines(p) for p in files) == 45 * 43
        assert row["Period covered"] == "Jan 2014 to Mar 2018"
        tasks = summary_row(at, "Case management tasks")
        assert tasks["Data"] == "Synthetic sample"
        assert (tasks["Files"], tasks["Rows loaded"], tasks["Period covered"]) == (
            0,
            0,
            "nothing loaded",
        )


# ----------------------------------------------------------------------------- broken copy
def test_broken_copy_page_runs_and_the_rest_loads(broken_app, broken_data):
    at = broken_app
    assert not at.exception
    tasks = summary_row(at, "Case management tasks")
    total = sum(data_lines(p) for p in sorted((broken_data / "tasks").glob("*.csv*")))
    assert tasks["Rows loaded"] == total - 1
    assert (tasks["Rows rejected"], tasks["Files refused"]) == (1, 0)
    outcomes = summary_row(at, "Case outcomes")
    good = [p for p in (broken_data / "case_outcomes").glob("*/*.csv") if p.name not in XLSX_FILE]
    assert (outcomes["Files"], outcomes["Files refused"]) == (len(good) + 1, 1)
    assert outcomes["Rows loaded"] == sum(data_lines(p) for p in good)
    files = frame_with(at, "Status")
    status = dict(zip(files["File"], files["Status"]))
    assert status[XLSX_FILE] == "rejected" and status[TASKS_FILE] == "loaded"


def test_broken_copy_problems_name_file_line_column_and_reason(broken_app):
    at = broken_app
    problems = frame_with(at, "Raw record")
    task = problems[problems["File"] == TASKS_FILE]
    assert len(task) == 1
    t = task.iloc[0]
    assert (t["Severity"], t["Extract"], t["Line"], t["Column"], t["Value found"]) == (
        "error",
        "Case management tasks",
        TASK_LINE,
        "due_date",
        BAD_DUE,
    )
    assert "real date" in t["What was expected"] and BAD_DUE in t["Raw record"]
    # The record is the line's fields as read, and says so (not "as it is in the file").
    assert "with its line's fields as they were read" in all_text(at)
    sheet = problems[problems["File"] == XLSX_FILE]
    assert len(sheet) == 1
    assert "Excel" in sheet.iloc[0]["Value found"] and "CSV" in sheet.iloc[0]["What was expected"]
    # July 2014 is now missing, and the page says a file was found for it but refused.
    text = all_text(at)
    assert "Jul 2014" in text and "a file was found but refused" in text


def test_broken_copy_reconciliation_finds_the_nudged_total(broken_app):
    at = broken_app
    assert metric(at, "Mismatches") == "1"
    assert metric(at, "Biggest difference (defendants)") == str(TAMPER)
    worst = frame_with(at, "Convictions difference")
    assert worst.iloc[0][["Month", "Offence category", "Convictions difference"]].tolist() == [
        "2018-03",
        "Drugs Offences",
        TAMPER,
    ]


def test_broken_copy_published_percentages_still_checked(broken_app, broken_data):
    """Warnings appear exactly where the nudged National count disagrees with its published %."""
    rows = list(csv.reader((broken_data / TAMPERED_FILE).open(newline="")))
    h, nat = rows[0], next(r for r in rows if r[0] == "National")
    conv = int(nat[h.index("Number of Drugs Offences Convictions")].replace(",", ""))
    uns = int(nat[h.index("Number of Drugs Offences Unsuccessful")].replace(",", ""))
    expected = sum(
        half_up(n, conv + uns) != Decimal(nat[h.index(f"Percentage of Drugs Offences {w}")][:-1])
        for n, w in ((conv, "Convictions"), (uns, "Unsuccessful"))
    )
    problems = frame_with(broken_app, "Raw record")
    assert (problems["Severity"] == "warning").sum() == expected
    assert re.search(rf"\*\*{expected:,} warnings\*\*", all_text(broken_app))


def test_problem_filters_and_csv_is_exactly_the_table(broken_app, monkeypatch):
    at = broken_app
    sent: list[bytes] = []
    real = downloads.csv_bytes
    monkeypatch.setattr(downloads, "csv_bytes", lambda df: sent.append(real(df)) or sent[-1])
    button = st.download_button

    def clicked(label, data, *args, **kwargs):  # the file is made on a click: click each one
        if callable(data):
            data()
        return button(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", clicked)
    at.multiselect(key="dq_severity").set_value(["error"]).run()
    assert not at.exception
    shown = frame_with(at, "Raw record")
    assert set(shown["Severity"]) == {"error"}
    at.multiselect(key="dq_extract").set_value(["tasks"]).run()
    shown = frame_with(at, "Raw record")
    assert shown["File"].tolist() == [TASKS_FILE]
    csv_sent = [b for b in sent if b.startswith(b"Severity,")][-1]
    assert pd.read_csv(io.BytesIO(csv_sent))["Line"].tolist() == [TASK_LINE]
    assert pd.read_csv(io.BytesIO(csv_sent)).columns.tolist() == shown.columns.tolist()


def outcomes_only(tmp_path: Path) -> Path:
    """A copy of data/'s case outcomes and reference lists under tmp_path/data (and an empty
    tmp_path/db for its database): a test changes some of its files."""
    root = tmp_path / "data"
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(DATA / "case_outcomes", root / "case_outcomes")
    (tmp_path / "db").mkdir()
    return root


def test_a_force_missing_from_a_month_is_named(tmp_path, run_page):
    """A police force with no line in a month's file: the page says the month is short of forces
    and the problems name the file and the force (a warning: the other forces load)."""
    root = outcomes_only(tmp_path)
    rel = "case_outcomes/2017/Principal_Offence_Category_Oct.csv"
    rows = list(csv.reader((root / rel).open(newline="")))
    forces = pd.read_csv(DATA / "reference" / "force_areas.csv", dtype=str)["force_area"]
    assert sum(r[0] in set(forces) for r in rows) == len(forces) == 42
    with (root / rel).open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(r for r in rows if r[0] != "Warwickshire")
    with run_page(root, tmp_path / "db", "pages/data_quality.py") as at:
        assert not at.exception
        text = all_text(at)
        assert "Fewer than 42 police force areas loaded in Oct 2017 (41)" in text
        assert "the problems below name the forces" in text
        problems = frame_with(at, "Raw record")
        got = problems[["Severity", "File", "Column", "Value found"]].values.tolist()
        assert got == [["warning", rel, "(first column)", "Warwickshire"]]


def test_refused_files_of_the_latest_months_are_missing_months(tmp_path, run_page):
    """A file found for a month after the last one loaded, but refused, leaves a missing month
    too: the series' span runs to it, and the page says the file was refused."""
    root = outcomes_only(tmp_path)
    feb = root / "case_outcomes/2018/Principal_Offence_Category_Feb.csv"
    mar = root / "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
    feb.write_bytes(b"")  # an empty file
    text = mar.read_text(encoding="utf-8")
    assert "Number of Admin Finalised Unsuccessful" in text
    mar.write_text(text.replace("Number of Admin Finalised Unsuccessful", "Admin"), "utf-8")
    with run_page(root, tmp_path / "db", "pages/data_quality.py") as at:
        assert not at.exception
        shown = all_text(at)
        # Jan 2014 to Mar 2018 is 51 months: 6 never published, Feb and Mar 2018 refused.
        assert "**43 of the 51 months** from Jan 2014 to Mar 2018 are loaded" in shown
        assert "Missing: **Nov 2015; Feb–Mar 2016; Apr–Jun 2017; Feb–Mar 2018**" in shown
        for month, rel in (("Feb 2018", feb), ("Mar 2018", mar)):
            name = rel.relative_to(root).as_posix()
            said = next(x for x in shown.splitlines() if x.startswith(f"{month}: a file was found"))
            assert "but refused" in said and name in said


def test_the_load_report_is_read_once_per_load_of_the_data(tmp_path, run_page, monkeypatch):
    """Only a new load changes what each extract loaded and the problems: a rerun with Streamlit's
    cache emptied does not read them again (about a third of an uncached visit of this page);
    a changed folder does, and the table follows it (one case outcomes file fewer: 44 files,
    44 × 43 rows, counted here)."""
    from cjsperf import ui
    from cjsperf.db import Warehouse

    monkeypatch.setattr(ui, "SYNC_EVERY_SECONDS", 0)  # every run looks at the folder
    root = tmp_path / "data"
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(
        DATA / "case_outcomes", root / "case_outcomes", ignore=shutil.ignore_patterns(".*")
    )
    reads = []
    real = Warehouse.summary
    monkeypatch.setattr(Warehouse, "summary", lambda self: reads.append(1) or real(self))
    with run_page(root, tmp_path / "db", "pages/data_quality.py") as at:
        assert len(reads) == 1 and summary_row(at, "Case outcomes")["Files"] == 45
        st.cache_data.clear()
        at.run()
        assert not at.exception and len(reads) == 1
        assert summary_row(at, "Case outcomes")["Rows loaded"] == 45 * 43
        (root / TAMPERED_FILE).unlink()
        st.cache_data.clear()
        at.run()
        assert not at.exception and len(reads) == 2
        row = summary_row(at, "Case outcomes")
        assert (row["Files"], row["Rows loaded"]) == (44, 44 * 43)
