"""Area totals say when they are incomplete; zero cases are not missing files.

Fixtures are tiny data folders: the reference lists and one or two real CPS files copied from
data/case_outcomes, with one cell damaged. Expected figures come from the files, read here with the
csv module, never from the warehouse.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from cjsperf.db import Warehouse
from tests.test_ingest import edit_cell
from tests.test_real_data import CATEGORIES

DATA = Path(__file__).resolve().parent.parent / "data"
CO_JAN = "case_outcomes/2016/principal_offence_category_january_2016.csv"
CO_MAR = "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
AREA_FORCES = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")
BURGLARY_CONV = "Number of Burglary Convictions"


def cells(root: Path, rel: str) -> dict[str, tuple[int, dict[str, str]]]:
    """force area → (physical line, header → cell) of a case outcomes file, by the csv module."""
    with open(root / rel, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {r[0]: (i + 1, dict(zip(rows[0], r, strict=True))) for i, r in enumerate(rows) if i}


def count(cell: str) -> int:
    return int(cell.replace(",", ""))


def folder(tmp_path: Path, *files: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / rel, root / rel)
    return root


@pytest.fixture
def bad_burglary(tmp_path):
    """January 2016 with Warwickshire's Burglary convictions damaged ('abc'), and March 2018 whole."""
    root = folder(tmp_path, CO_JAN, CO_MAR)
    edit_cell(root, CO_JAN, "Warwickshire", BURGLARY_CONV, "abc")
    wh = Warehouse(root, db_path=None)
    wh.sync()
    yield root, wh
    wh.close()


def test_a_bad_cell_rejects_only_its_category(bad_burglary):
    root, wh = bad_burglary
    line, _ = cells(root, CO_JAN)["Warwickshire"]
    errors = wh.problems().query("severity == 'error'")
    assert [(p.file, p.line, p.column, p.value) for p in errors.itertuples()] == [
        (CO_JAN, line, BURGLARY_CONV, "abc")
    ]
    staged = wh.sql(
        "SELECT offence_category FROM stg_case_outcomes "
        "WHERE force_area = 'Warwickshire' AND month = DATE '2016-01-01' ORDER BY cps_order"
    )
    # The other 11 categories and the administratively finalised cases still load.
    assert list(staged.offence_category) == [
        *[c for c in CATEGORIES if c != "Burglary"],
        "Administratively finalised",
    ]
    # Every other force's line loaded whole: 43 lines × 13 rows, less Warwickshire's Burglary.
    assert wh.sql("SELECT count(*) AS n FROM stg_case_outcomes").n[0] == 2 * 43 * 13 - 1
