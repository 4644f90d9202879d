"""Area totals say when they are incomplete; zero cases are not missing files.

Fixtures are tiny data folders: the reference lists and one or two real CPS files copied from
data/case_outcomes, with one cell damaged. Expected figures come from the files, read here with the
csv module, never from the warehouse.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
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


def by_month(wh, month: str, **params):
    df = wh.run_query("conviction_rate_by_month", **params)
    row = df[df.month == month]
    assert len(row) == 1, (month, params, df)
    return row.iloc[0]


def test_an_area_total_says_which_force_is_missing(bad_burglary):
    root, wh = bad_burglary
    jan = cells(root, CO_JAN)
    others = [f for f in AREA_FORCES if f != "Warwickshire"]
    conv = sum(count(jan[f][1][BURGLARY_CONV]) for f in others)
    uns = sum(count(jan[f][1]["Number of Burglary Unsuccessful"]) for f in others)

    burglary = by_month(wh, "2016-01", area="CPS West Midlands", crime_type="Burglary")
    assert (burglary.forces_expected, burglary.forces_included) == (4, 3)
    assert burglary.missing == "Warwickshire"
    assert (burglary.convictions, burglary.unsuccessful) == (conv, uns)  # the three forces

    # Only Burglary is short: another category of the same month is whole.
    drugs = by_month(wh, "2016-01", area="CPS West Midlands", crime_type="Drugs Offences")
    assert (drugs.forces_expected, drugs.forces_included) == (4, 4)
    assert pd.isna(drugs.missing)
    # All crime is short of Warwickshire's Burglary, and says so.
    all_crime = by_month(wh, "2016-01", area="CPS West Midlands", crime_type="All crime")
    assert (all_crime.forces_expected, all_crime.forces_included) == (4, 3)
    assert all_crime.missing == "Warwickshire (Burglary)"
    # The month of the other file is whole.
    mar = by_month(wh, "2018-03", area="CPS West Midlands", crime_type="Burglary")
    assert (mar.forces_expected, mar.forces_included) == (4, 4) and pd.isna(mar.missing)

    # National is its own published row: one unit, and it loaded.
    national = by_month(wh, "2016-01", area="National", crime_type="Burglary")
    assert (national.forces_expected, national.forces_included) == (1, 1)
    assert national.convictions == count(jan["National"][1][BURGLARY_CONV])
    # The force alone: expected 1, included 0, no counts and no rate.
    force = by_month(wh, "2016-01", area="Warwickshire", crime_type="Burglary")
    assert (force.forces_expected, force.forces_included, force.missing) == (1, 0, "Warwickshire")
    assert (force.convictions, force.unsuccessful) == (0, 0)
    assert force.conviction_rate != force.conviction_rate  # NaN: no rate

    # Over the whole period, by area: Warwickshire is short in January 2016.
    (area,) = wh.run_query(
        "conviction_rate_by_area", areas="CPS West Midlands", crime_type="Burglary"
    ).itertuples()
    assert (area.forces_expected, area.forces_included) == (4, 3)
    assert area.missing == "Warwickshire in Jan 2016"


def test_a_force_whose_whole_line_is_rejected_is_missing(tmp_path):
    root = folder(tmp_path, CO_JAN)
    edit_cell(root, CO_JAN, "Warwickshire", "", "Warwicks")  # an unknown force: whole line
    wh = Warehouse(root, db_path=None)
    wh.sync()
    row = by_month(wh, "2016-01", area="CPS West Midlands", crime_type="All crime")
    wh.close()
    assert (row.forces_expected, row.forces_included, row.missing) == (4, 3, "Warwickshire")


def test_flagged_totals_count_a_rejected_line_against_its_force(tmp_path):
    root = folder(tmp_path)
    lines = [
        "month,force_area,court_type,flag,offence_category,convictions,unsuccessful",
        "2017-10,West Midlands,Magistrates' court,Hate crime,Public Order Offences,40,8",
        "2017-10,Staffordshire,Magistrates' court,Hate crime,Public Order Offences,9,2",
        "2017-10,West Mercia,Crown Court,Hate crime,Robbery,3,1",
        "2017-10,Warwickshire,Magistrates' court,Hate crime,Public Order Offences,twelve,1",
        "2017-10,Warwickshire,Crown Court,Domestic abuse,Offences Against The Person,5,2",
        # the same key twice: the first is loaded, so the total is not short of it
        "2017-10,Warwickshire,Crown Court,Domestic abuse,Offences Against The Person,5,2",
        "2017-11,West Midlands,Magistrates' court,Hate crime,Public Order Offences,30,6",
    ]
    (root / "flagged_outcomes").mkdir()
    (root / "flagged_outcomes" / "flagged.csv").write_text("\n".join(lines) + "\n")
    wh = Warehouse(root, db_path=None)
    wh.sync()
    hate = by_month(wh, "2017-10", area="CPS West Midlands", crime_type="Hate crime")
    assert (hate.convictions, hate.unsuccessful) == (40 + 9 + 3, 8 + 2 + 1)
    assert (hate.forces_expected, hate.forces_included, hate.missing) == (4, 3, "Warwickshire")
    da = by_month(wh, "2017-10", area="CPS West Midlands", crime_type="Domestic abuse")
    assert (da.convictions, da.unsuccessful, da.forces_included) == (5, 2, 4)
    # November: only West Midlands had hate crime cases; the others had none (no row), not missing.
    nov = by_month(wh, "2017-11", area="Staffordshire", crime_type="Hate crime")
    assert (nov.convictions, nov.unsuccessful, nov.forces_included) == (0, 0, 1)
    # No flagged data outside the West Midlands forces: no rows at all, not zeros.
    assert wh.run_query("conviction_rate_by_month", area="National", crime_type="Hate crime").empty
    wh.close()


def test_months_with_a_file_and_no_cases_have_zero_counts(real_wh):
    """Warwickshire Homicide, Jan-Jul 2017: cases in January; none in February, March and July,
    whose files were published; April-June never published, so no row."""
    files = {
        "2017-01": "2017/principal_offence_category_january_2017.csv",
        "2017-02": "2017/principal_offence_category_february_2017.csv",
        "2017-03": "2017/principal_offence_category_march_2017.csv",
        "2017-07": "2017/Principal_Offence_Category_Jul.csv",
    }
    expected = {}
    for month, rel in files.items():
        _, row = cells(DATA, "case_outcomes/" + rel)["Warwickshire"]
        expected[month] = (
            count(row["Number of Homicide Convictions"]),
            count(row["Number of Homicide Unsuccessful"]),
        )
    assert expected == {"2017-01": (2, 0), "2017-02": (0, 0), "2017-03": (0, 0), "2017-07": (0, 0)}
    df = real_wh.run_query(
        "conviction_rate_by_month",
        area="Warwickshire",
        crime_type="Homicide",
        start="2017-01",
        end="2017-07",
    )
    got = {m: (c, u) for m, c, u in zip(df.month, df.convictions, df.unsuccessful, strict=True)}
    assert got == expected
    rates = dict(zip(df.month, df.conviction_rate, strict=True))
    assert rates["2017-01"] == 100.0
    assert all(rates[m] != rates[m] for m in ("2017-02", "2017-03", "2017-07"))  # NaN
    assert set(df.forces_included) == {1}


def test_months_loaded_are_read_once_for_each_load_of_the_data(tmp_path):
    """`Warehouse.months_loaded` keeps an extract's months for the version of the data it read them
    from (a page's caches may be emptied without reading them again), and a new load reads them
    again: January 2016, then March 2018 added."""
    root = folder(tmp_path, CO_JAN)
    wh = Warehouse(root, db_path=None)
    wh.sync()
    assert wh.months_loaded("case_outcomes") == ("2016-01",)
    before, reads = wh.version, []
    real_sql = wh.sql
    wh.sql = lambda *a, **k: reads.append(a) or real_sql(*a, **k)
    assert wh.months_loaded("case_outcomes") == ("2016-01",) and reads == []  # kept
    (root / CO_MAR).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / CO_MAR, root / CO_MAR)
    wh.sync()
    assert wh.version != before
    assert wh.months_loaded("case_outcomes") == ("2016-01", "2018-03") and len(reads) == 1
    assert wh.months_loaded("agent_spend") == ()  # no file of it: no month
    wh.close()
