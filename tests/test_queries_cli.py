"""Published CPS figures through the queries and the command line; the rounding macro; parameters.

Expected figures are the published ones quoted in domain.md and data/case_outcomes/SOURCE.md, or
worked out by hand from the published counts (shown beside each).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cjsperf.__main__ import main
from cjsperf.db import Warehouse

REPO = Path(__file__).resolve().parent.parent


def rate(wh, month, **params):
    df = wh.run_query("conviction_rate_by_month", **params)
    row = df[df.month == month]
    assert len(row) == 1, (month, params, df)
    return row.iloc[0]


@pytest.mark.parametrize(
    ("month", "area", "crime_type", "published"),
    [
        # One force area, one category: the published percentage in the file.
        ("2016-01", "West Midlands", "Offences Against The Person", 80.6),
        ("2016-01", "West Midlands", "Burglary", 88.3),
        ("2017-03", "West Midlands", "Sexual Offences", 68.9),
        ("2017-11", "West Midlands", "Drugs Offences", 93.6),
        ("2016-01", "National", "Homicide", 81.5),
        ("2018-03", "West Midlands", "Drugs Offences", 94.9),
        # All 12 categories, admin finalised left out: CPS West Midlands Area = its 4 forces.
        ("2016-01", "CPS West Midlands", "All crime", 85.2),
        ("2017-03", "CPS West Midlands", "All crime", 86.8),
        ("2018-03", "CPS West Midlands", "All crime", 86.4),
        ("2016-01", "National", "All crime", 84.3),
        ("2017-03", "National", "All crime", 85.6),
        ("2018-03", "National", "All crime", 85.2),
        # West Midlands force, all 12 categories (SOURCE.md table).
        ("2016-01", "West Midlands", "All crime", 85.6),
        ("2017-01", "West Midlands", "All crime", 85.6),
        ("2017-03", "West Midlands", "All crime", 86.6),
        ("2017-11", "West Midlands", "All crime", 87.7),
        ("2018-03", "West Midlands", "All crime", 86.6),
    ],
)
def test_published_conviction_rates(real_wh, month, area, crime_type, published):
    assert rate(real_wh, month, area=area, crime_type=crime_type).conviction_rate == published


@pytest.mark.parametrize(
    ("month", "convictions", "unsuccessful", "admin", "headline"),
    [
        # SOURCE.md: West Midlands force, all 12 categories, and admin finalised cases.
        # Headline rate (admin finalised counted as unsuccessful), half-up by hand:
        # 2768 / 3317 = 83.449…% → 83.4;  2603 / 3057 = 85.148…% → 85.1;  2177 / 2598 = 83.795…% → 83.8
        ("2016-01", 2768, 466, 83, 83.4),
        ("2017-03", 2603, 402, 52, 85.1),
        ("2018-03", 2177, 338, 83, 83.8),
    ],
)
def test_all_crime_counts_and_headline_rate(
    real_wh, month, convictions, unsuccessful, admin, headline
):
    r = rate(real_wh, month, area="West Midlands", crime_type="All crime")
    assert (r.convictions, r.unsuccessful, r.admin_finalised) == (convictions, unsuccessful, admin)
    assert r.headline_rate == headline
    assert r.source == "CPS published"


def test_area_finalises_3700_to_5700_a_month(real_wh):
    """domain.md: the four-force Area finalises about 3,700–5,700 defendants a month."""
    df = real_wh.run_query("conviction_rate_by_month", area="CPS West Midlands")
    assert len(df) == 45
    total = df.convictions + df.unsuccessful
    assert 3600 <= total.min() <= 3800
    assert 5600 <= total.max() <= 5800


def test_start_and_end_bound_the_months(real_wh):
    df = real_wh.run_query(
        "conviction_rate_by_month", area="National", start="2016-01", end="2016-06"
    )
    # Feb and Mar 2016 were never published (SOURCE.md).
    assert list(df.month) == ["2016-01", "2016-04", "2016-05", "2016-06"]


# ---------------------------------------------------------------- rate_half_up


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (17, 80, 21.3),  # 21.25 → 21.3 (Python's round gives 21.2)
        (1, 8, 12.5),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 80, 1.3),  # 1.25 → 1.3
        (1, 800, 0.1),  # 0.125 → 0.1
        (1, 6, 16.7),
        (5, 5, 100.0),
        (0, 7, 0.0),
        (0, 0, None),
        (3, 0, None),
    ],
)
def test_rate_half_up(tmp_path, num, den, expected):
    wh = Warehouse(tmp_path, db_path=None)
    got = wh.con.execute("SELECT rate_half_up(?::BIGINT, ?::BIGINT)", [num, den]).fetchall()[0][0]
    wh.close()
    assert got == expected


# ---------------------------------------------------------------- values only as parameters


@pytest.mark.parametrize(
    "params",
    [
        {"crime_type": "x' OR 1=1 --"},
        {"crime_type": "All crime' OR '1'='1"},
        {"area": "West Midlands' OR 1=1 --"},
        {"area": "x'; DROP TABLE stg_case_outcomes; --"},
    ],
)
def test_values_reach_sql_only_as_parameters(real_wh, params):
    df = real_wh.run_query("conviction_rate_by_month", **params)
    assert df.empty
    assert list(df.columns)[:4] == ["month", "convictions", "unsuccessful", "conviction_rate"]
    # Nothing was executed from the value: the table is still there and whole.
    assert real_wh.sql("SELECT count(*) AS n FROM stg_case_outcomes").n[0] == 1935 * 13


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_env(real_data_dir, tmp_path, monkeypatch):
    """Point the CLI at the private copy of the real data and a throwaway database file."""
    monkeypatch.setenv("CJSPERF_DATA", str(real_data_dir))
    monkeypatch.setenv("CJSPERF_DB", str(tmp_path / "cli.duckdb"))
    return tmp_path / "cli.duckdb"


def test_query_command_prints_csv(cli_env, capsys):
    argv = ["query", "conviction_rate_by_month", "area=West Midlands", "crime_type=Drugs Offences"]
    assert main(argv) == 0
    rows = {r["month"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["2018-03"]["conviction_rate"] == "94.9"
    assert rows["2017-11"]["conviction_rate"] == "93.6"
    assert (rows["2018-03"]["convictions"], rows["2018-03"]["unsuccessful"]) != ("", "")
    assert len(rows) == 45
    assert cli_env.exists()  # it used the database named by CJSPERF_DB, not data/


def test_query_command_as_a_process(cli_env):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cjsperf",
            "query",
            "conviction_rate_by_month",
            "area=West Midlands",
            "crime_type=Drugs Offences",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rows = {r["month"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows["2018-03"]["conviction_rate"] == "94.9"


def test_query_list_shows_each_query_and_its_parameters(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    assert (
        "conviction_rate_by_month\n    Conviction rate by month for one area and crime type." in out
    )
    for line in [
        "    area (default 'CPS West Midlands'): ",
        "    crime_type (default 'All crime'): ",
        "    start (default '2000-01'): first month, YYYY-MM (default: everything loaded)",
        "    end (default '2099-12'): last month, YYYY-MM (default: everything loaded)",
    ]:
        assert line in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["conviction_rate_by_month", "colour=red"],
            "conviction_rate_by_month has no parameter colour; it takes area, crime_type, end, start",
        ),
        (["conviction_rate_by_month", "area"], "Parameters are key=value; got 'area'"),
        (["no_such_query"], "no query named 'no_such_query'"),
        (["../staging/tasks"], "no query named '../staging/tasks'"),
    ],
)
def test_query_command_refuses_bad_input_with_exit_2(tmp_path, monkeypatch, capsys, args, message):
    # The refusal does not depend on the data: an empty data folder keeps this quick.
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CJSPERF_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("CJSPERF_DB", str(tmp_path / "cli.duckdb"))
    assert main(["query", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_query_spc_uses_the_measures_process_changes_as_the_charts_do(capsys):
    """The agent share is a measure whose process the ODP changed (events.csv, from Oct 2017):
    with only 6 months after it, the limits are those of the 18 months before, on the command
    line as on the chart (worked out here from the printed rates with the plain formulas)."""
    import csv
    import io

    from cjsperf.__main__ import main
    from tests import xmr_reference

    code = main(["query", "agent_share_by_month", "start=2016-04", "end=2018-03",
                 "--spc", "agent_share", "--better", "lower"])  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 24
    before = [float(r["agent_share"]) for r in rows if r["month"] < "2017-10"]
    mean, lower, upper = xmr_reference.limits(before)
    last = rows[-1]
    assert float(last["spc_mean"]) == pytest.approx(mean)
    assert (float(last["spc_lower"]), float(last["spc_upper"])) == (
        pytest.approx(lower),
        pytest.approx(upper),
    )
    assert (last["spc_signal"], last["spc_special_cause"]) == ("outside limits", "improvement")
