"""The 45 published CPS case outcome files: checked by hand-rolled parsing, then against the warehouse.

The expected values here come from the files themselves, read with Python's csv module and Decimal
(never through cjsperf), and from the figures and counts quoted in data/case_outcomes/SOURCE.md.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pytest

from cjsperf.__main__ import main

REAL_CASE_OUTCOMES = Path(__file__).resolve().parent.parent / "data" / "case_outcomes"

# CPS's 12 principal offence categories, in published order (domain.md).
CATEGORIES = [
    "Homicide",
    "Offences Against The Person",
    "Sexual Offences",
    "Burglary",
    "Robbery",
    "Theft And Handling",
    "Fraud And Forgery",
    "Criminal Damage",
    "Drugs Offences",
    "Public Order Offences",
    "All Other Offences (excluding Motoring)",
    "Motoring Offences",
]
ADMIN = "Number of Admin Finalised Unsuccessful"
AREA_FORCES = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")


@cache
def manifest() -> dict[str, str]:
    """file (relative to case_outcomes/) → month, from the manifest table in SOURCE.md."""
    text = (REAL_CASE_OUTCOMES / "SOURCE.md").read_text()
    return dict((f, m) for m, f in re.findall(r"^\| (\d{4}-\d\d) \| `([^`]+\.csv)` \|", text, re.M))


@dataclass(frozen=True)
class Row:
    file: str  # relative to case_outcomes/
    line: int  # physical line in the file
    cells: dict[str, str]  # header → raw text

    @property
    def area(self) -> str:
        return self.cells[""]

    def count(self, column: str) -> int:
        return int(self.cells[column].replace(",", ""))


@cache
def read_file(rel: str) -> tuple[tuple[str, ...], tuple[Row, ...]]:
    raw = (REAL_CASE_OUTCOMES / rel).read_bytes()
    records = list(csv.reader(raw.decode("utf-8").splitlines()))
    header, body = records[0], records[1:]
    rows = tuple(Row(rel, i + 2, dict(zip(header, r, strict=True))) for i, r in enumerate(body))
    return tuple(header), rows


def half_up(num: int, den: int) -> str:
    """The percentage as CPS prints it: one decimal, rounded half-up, with a % sign."""
    pct = (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{pct}%"


def count_columns() -> list[str]:
    cols = []
    for cat in CATEGORIES:
        cols += [f"Number of {cat} Convictions", f"Number of {cat} Unsuccessful"]
    return [*cols, ADMIN]


FILES = sorted(manifest())


def test_manifest_lists_45_distinct_months_and_matches_the_folder():
    on_disk = sorted(
        p.relative_to(REAL_CASE_OUTCOMES).as_posix() for p in REAL_CASE_OUTCOMES.rglob("*.csv")
    )
    assert len(FILES) == 45
    assert on_disk == FILES
    assert len(set(manifest().values())) == 45


def test_every_file_has_the_published_shape():
    header0, _ = read_file(FILES[0])
    for rel in FILES:
        header, rows = read_file(rel)
        assert header == header0, rel
        assert len(header) == 51
        assert [r.area for r in rows][:2] == ["National", "Avon and Somerset"], rel
        assert len(rows) == 43, rel
    assert sum(len(read_file(rel)[1]) for rel in FILES) == 1935


def test_the_half_up_helper_itself():
    # 17 of 80 is 21.25%: half-up gives 21.3 where Python's round() gives 21.2.
    assert half_up(17, 80) == "21.3%"
    assert round(17 / 80 * 100, 1) == 21.2
    assert half_up(1, 3) == "33.3%"
    assert half_up(0, 5) == "0.0%"
    assert half_up(5, 5) == "100.0%"


@pytest.mark.parametrize("rel", FILES)
def test_published_percentages_equal_counts_rounded_half_up(rel):
    _, rows = read_file(rel)
    wrong = []
    for row in rows:
        for cat in CATEGORIES:
            conv = row.count(f"Number of {cat} Convictions")
            uns = row.count(f"Number of {cat} Unsuccessful")
            conv_pct = row.cells[f"Percentage of {cat} Convictions"]
            uns_pct = row.cells[f"Percentage of {cat} Unsuccessful"]
            if conv + uns == 0:
                expected = ("-", "-") if cat == "Homicide" else ("0", "0")
            else:
                expected = (half_up(conv, conv + uns), half_up(uns, conv + uns))
            if (conv_pct, uns_pct) != expected:
                wrong.append((row.line, row.area, cat, conv_pct, uns_pct, expected))
    assert wrong == []


def test_counts_of_checked_pairs_match_source_md():
    """SOURCE.md: 22,479 non-empty pairs checked; 741 empty denominators; 580 '1,234' cells."""
    nonzero = zero = separators = 0
    for rel in FILES:
        for row in read_file(rel)[1]:
            for cat in CATEGORIES:
                den = row.count(f"Number of {cat} Convictions") + row.count(
                    f"Number of {cat} Unsuccessful"
                )
                nonzero, zero = (nonzero + 1, zero) if den else (nonzero, zero + 1)
            separators += sum("," in row.cells[c] for c in count_columns())
    assert (nonzero, zero, separators) == (22479, 741, 580)


def test_national_row_is_the_sum_of_the_42_forces():
    mismatches = []
    for rel in FILES:
        rows = read_file(rel)[1]
        national = [r for r in rows if r.area == "National"]
        forces = [r for r in rows if r.area != "National"]
        assert len(national) == 1 and len(forces) == 42
        for col in count_columns():
            if national[0].count(col) != sum(r.count(col) for r in forces):
                mismatches.append((rel, col))
    assert mismatches == []


# ---------------------------------------------------------------- through the warehouse


def expected_staged() -> set[tuple]:
    """(month, force_area, offence_category, convictions, unsuccessful) for every line."""
    out = set()
    for rel, month in manifest().items():
        first = date.fromisoformat(month + "-01")
        for row in read_file(rel)[1]:
            for cat in CATEGORIES:
                out.add(
                    (
                        first,
                        row.area,
                        cat,
                        row.count(f"Number of {cat} Convictions"),
                        row.count(f"Number of {cat} Unsuccessful"),
                    )
                )
            out.add((first, row.area, "Administratively finalised", 0, row.count(ADMIN)))
    return out


def test_warehouse_loads_every_real_file_with_no_problems(real_wh):
    assert real_wh.problems().empty
    files = real_wh.sql(
        "SELECT file, period, status, rows_read FROM load_files WHERE extract = 'case_outcomes'"
    )
    assert sorted(files.file) == sorted(f"case_outcomes/{f}" for f in FILES)
    assert dict(zip(files.file, files.period, strict=True)) == {
        f"case_outcomes/{f}": m for f, m in manifest().items()
    }
    assert set(files.status) == {"loaded"}
    assert files.rows_read.sum() == 1935
    s = real_wh.summary().set_index("extract").loc["case_outcomes"]
    assert (s.files, s.files_not_loaded, s.rows_loaded, s.rows_rejected, s.warnings) == (
        45,
        0,
        1935,
        0,
        0,
    )
    assert (s.first_date.date(), s.last_date.date()) == (date(2014, 1, 1), date(2018, 3, 1))


def test_staged_counts_equal_the_parsed_counts(real_wh):
    df = real_wh.sql(
        "SELECT month, force_area, offence_category, convictions, unsuccessful "
        "FROM stg_case_outcomes"
    )
    got = {
        (m.date(), f, c, int(v), int(u)) for m, f, c, v, u in df.itertuples(index=False, name=None)
    }
    expected = expected_staged()
    assert len(df) == len(expected) == 1935 * 13
    assert got == expected


def test_staged_totals_per_month_equal_the_parsed_totals(real_wh):
    got = real_wh.sql(
        "SELECT strftime(month, '%Y-%m') AS month, sum(convictions)::BIGINT AS conv, "
        "sum(unsuccessful)::BIGINT AS uns FROM stg_case_outcomes "
        "WHERE force_area <> 'National' AND cps_order <= 12 GROUP BY ALL"
    )
    expected = {}
    for rel, month in manifest().items():
        conv = uns = 0
        for row in read_file(rel)[1]:
            if row.area != "National":
                conv += sum(row.count(f"Number of {c} Convictions") for c in CATEGORIES)
                uns += sum(row.count(f"Number of {c} Unsuccessful") for c in CATEGORIES)
        expected[month] = (conv, uns)
    assert {m: (int(c), int(u)) for m, c, u in got.itertuples(index=False)} == expected


def test_check_command_passes_on_the_real_files(real_data_dir, capsys):
    assert main(["check", str(real_data_dir)]) == 0
    out = capsys.readouterr().out
    assert "No problems: every row of every file loaded." in out
    line = next(x for x in out.splitlines() if x.startswith("case_outcomes"))
    assert line.split()[1:6] == ["45", "0", "1,935", "0", "0"]


def test_conviction_rate_by_area_gives_each_area_asked_in_order(real_wh):
    """One statement for several areas (the Conviction rates page's by-force chart): each area's
    counts and rate over April 2017 – March 2018 are the sums of the published rows."""
    asked = ["West Midlands", "National", "CPS West Midlands", "Staffordshire"]
    units = {a: {a} for a in asked} | {"CPS West Midlands": set(AREA_FORCES)}
    months = {rel for rel, m in manifest().items() if "2017-04" <= m <= "2018-03"}
    assert len(months) == 9  # three months of the year were never published
    sums = {a: [0, 0] for a in asked}
    for rel in months:
        for row in read_file(rel)[1]:
            for a in asked:
                if row.area in units[a]:
                    sums[a][0] += sum(row.count(f"Number of {c} Convictions") for c in CATEGORIES)
                    sums[a][1] += sum(row.count(f"Number of {c} Unsuccessful") for c in CATEGORIES)
    got = real_wh.run_query(
        "conviction_rate_by_area", areas=";".join(asked), start="2017-04", end="2018-03"
    )
    assert got["area"].tolist() == asked
    for r in got.itertuples():
        conv, uns = sums[r.area]
        assert (r.convictions, r.unsuccessful, r.months) == (conv, uns, 9), r.area
        assert f"{r.conviction_rate:.1f}%" == half_up(conv, conv + uns), r.area
    assert sums["CPS West Midlands"][0] > sums["West Midlands"][0] > 0
    # a flag the real files do not hold: no row for any area, not zeros
    none = real_wh.run_query(
        "conviction_rate_by_area", areas=";".join(asked), crime_type="Hate crime"
    )
    assert none.empty
