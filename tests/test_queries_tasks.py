"""The task queries (tasks_*.sql) and the Overview's targets query, on twelve tasks written by hand.

Every expected figure below is worked out by hand from the rows in TASKS (see the comments beside
each task). The extract's latest date is 2018-03-25 (T10 created), so it is taken to be made at the
end of March 2018: an open task due by 2018-03-31 is not on time; one due later is not yet due.
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from cjsperf.db import Warehouse

REPO = Path(__file__).resolve().parent.parent
MCU_B, MCU_S = "Magistrates' Court Unit Birmingham", "Magistrates' Court Unit Stoke"
CCU_B, CCU_S = "Crown Court Unit Birmingham", "Crown Court Unit Stoke"

HEADER = "task_id,team,task_type,offence_category,created_date,due_date,completed_date"
TASKS = [
    # id, team, type, category, created, due, completed
    ("T01", MCU_B, "Case review", "Burglary", "2018-01-02", "2018-01-10", "2018-01-09"),  # on time
    ("T02", MCU_B, "Correspondence", "Burglary", "2018-01-03", "2018-01-15", "2018-01-15"),  # on time: same day
    ("T03", MCU_S, "Case review", "Robbery", "2018-01-05", "2018-01-20", "2018-02-05"),  # late
    ("T04", MCU_S, "Victim letter", "Robbery", "2018-01-25", "2018-01-31", ""),  # open, past due
    ("T05", CCU_B, "Case review", "Burglary", "2018-02-01", "2018-02-14", "2018-02-14"),  # on time
    ("T06", CCU_B, "Disclosure", "Burglary", "2018-02-10", "2018-03-05", "2018-03-10"),  # late
    ("T07", "RASSO", "Case review", "Sexual Offences", "2018-02-20", "2018-03-20", "2018-03-15"),  # on time
    ("T08", "RASSO", "Correspondence", "Sexual Offences", "2018-03-20", "2018-04-10", ""),  # not yet due
    ("T09", "Complex Casework", "Court result", "Fraud And Forgery", "2017-12-15", "2017-12-20", "2018-01-04"),  # late
    ("T10", "Complex Casework", "Case review", "Fraud And Forgery", "2018-03-25", "2018-03-28", ""),  # open, past due
    ("T11", CCU_S, "Case review", "Homicide", "2017-12-01", "2018-06-01", ""),  # open, due June
    ("T12", "Complex Casework", "Correspondence", "Theft And Handling", "2018-03-21", "2018-03-31", ""),  # open, due on the extract's last day
]  # fmt: skip


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("tasks_data")
    shutil.copytree(REPO / "data" / "reference", root / "reference")
    (root / "case_outcomes").mkdir()
    (root / "tasks").mkdir()
    lines = [HEADER] + [",".join(f'"{v}"' if "," in v else v for v in row) for row in TASKS]
    (root / "tasks" / "tasks_sample.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    w = Warehouse(root, db_path=None)
    w.sync()
    assert w.sql("SELECT count(*) AS n FROM stg_tasks")["n"][0] == len(TASKS)
    yield w
    w.close()


def rows(df, key):
    """{key value: {column: value}} with NaN/NA as None."""
    out = {}
    for rec in df.to_dict("records"):
        out[rec[key]] = {
            k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
            for k, v in rec.items()
            if k != key
        }
    return out


def test_on_time_by_month(wh):
    df = wh.run_query("tasks_on_time_by_month", start="2017-10", end="2018-04")
    got = rows(df, "month")
    cols = ("due", "on_time", "late", "open_overdue", "not_yet_due", "on_time_rate")
    expected = {
        "2017-12": (1, 0, 1, 0, 0, 0.0),  # T09 late
        "2018-01": (4, 2, 1, 1, 0, 50.0),  # T01, T02 on time; T03 late; T04 open past due
        "2018-02": (1, 1, 0, 0, 0, 100.0),  # T05
        "2018-03": (4, 1, 1, 2, 0, 25.0),  # T07 on time; T06 late; T10, T12 open past due
        # T08 is open and due in April, after the extract was taken: it cannot be judged,
        # and a month wholly after the extract has no row.
    }
    assert {m: tuple(got[m][c] for c in cols) for m in got} == expected


def test_on_time_by_month_crime_type(wh):
    burglary = rows(wh.run_query("tasks_on_time_by_month", crime_type="Burglary"), "month")
    # T01, T02 (Jan, on time), T05 (Feb, on time), T06 (Mar, late)
    assert {m: (r["due"], r["on_time_rate"]) for m, r in burglary.items()} == {
        "2018-01": (2, 100.0),
        "2018-02": (1, 100.0),
        "2018-03": (1, 0.0),
    }
    # Tasks carry no flag: a flag counts every task, as All crime does.
    flag = wh.run_query("tasks_on_time_by_month", crime_type="Hate crime", start="2017-12")
    every = wh.run_query("tasks_on_time_by_month", crime_type="All crime", start="2017-12")
    assert flag.equals(every) and flag["due"].sum() == 10


def test_on_time_for_period(wh):
    df = wh.run_query("tasks_on_time_for_period", start="2018-01", end="2018-03")
    assert len(df) == 1
    r = df.iloc[0]
    # Jan-Mar due: T01-T07, T10, T12 = 9; on time T01, T02, T05, T07 = 4; late T03, T06;
    # open past due T04, T10, T12. 4 / 9 = 44.44%.
    assert (r.due, r.on_time, r.late, r.open_overdue, r.not_yet_due) == (9, 4, 2, 3, 0)
    assert r.on_time_rate == 44.4
    robbery = wh.run_query("tasks_on_time_for_period", crime_type="Robbery", start="2018-01")
    assert robbery.iloc[0].on_time_rate == 0.0 and robbery.iloc[0].due == 2  # T03, T04
    assert wh.run_query("tasks_on_time_for_period", start="2016-01", end="2016-03").empty


def test_on_time_by_team(wh):
    got = rows(wh.run_query("tasks_on_time_by_team", start="2018-01", end="2018-03"), "team")
    assert {t: (r["due"], r["on_time"], r["on_time_rate"]) for t, r in got.items()} == {
        MCU_B: (2, 2, 100.0),  # T01, T02
        MCU_S: (2, 0, 0.0),  # T03 late, T04 open
        CCU_B: (2, 1, 50.0),  # T05, T06
        "RASSO": (1, 1, 100.0),  # T07 (T08 is due in April)
        "Complex Casework": (2, 0, 0.0),  # T10, T12 (T09 was due in December)
    }
    # A team with only tasks not yet due has no row: T08 for RASSO in April.
    april = wh.run_query("tasks_on_time_by_team", start="2018-04", end="2018-06")
    assert april.empty


def test_on_time_by_type(wh):
    got = rows(wh.run_query("tasks_on_time_by_type", start="2018-01", end="2018-03"), "task_type")
    assert {t: (r["due"], r["on_time"], r["on_time_rate"]) for t, r in got.items()} == {
        "Case review": (5, 3, 60.0),  # T01, T05, T07 on time; T03 late; T10 open
        "Correspondence": (2, 1, 50.0),  # T02 on time; T12 open past due
        "Victim letter": (1, 0, 0.0),  # T04
        "Disclosure": (1, 0, 0.0),  # T06
    }


def test_a_changed_file_changes_the_counts_kept_for_the_on_time_queries(tmp_path):
    """The tasks_on_time_ queries sum a table made once per change of the extract
    (queries/derived/tasks_due_cells): when T10 (Complex Casework, case review, due 28 March,
    open past due) is completed on 27 March, a sync gives the new counts, hand worked from TASKS."""
    root = tmp_path / "data"
    shutil.copytree(REPO / "data" / "reference", root / "reference")
    (root / "case_outcomes").mkdir()
    (root / "tasks").mkdir()
    path = root / "tasks" / "tasks_sample.csv"

    def write(tasks) -> None:
        lines = [HEADER] + [",".join(row) for row in tasks]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    write(TASKS)
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()
    march = rows(w.run_query("tasks_on_time_by_month", start="2018-03", end="2018-03"), "month")
    assert march["2018-03"]["on_time"] == 1 and march["2018-03"]["on_time_rate"] == 25.0
    write([(*row[:6], "2018-03-27") if row[0] == "T10" else row for row in TASKS])
    assert w.sync().changed_extracts == ["tasks"]
    march = rows(w.run_query("tasks_on_time_by_month", start="2018-03", end="2018-03"), "month")
    # due in March: T06 late, T07 and now T10 on time, T12 open past due: 2 / 4
    assert march == {"2018-03": {"due": 4, "on_time": 2, "late": 1, "open_overdue": 1,
                                 "not_yet_due": 0, "on_time_rate": 50.0}}  # fmt: skip
    r = w.run_query("tasks_on_time_for_period", start="2018-01", end="2018-03").iloc[0]
    # Jan-Mar: 9 due; on time T01, T02, T05, T07, T10; late T03, T06; open T04, T12: 5 / 9
    assert (r.due, r.on_time, r.late, r.open_overdue, r.on_time_rate) == (9, 5, 2, 2, 55.6)
    teams = rows(w.run_query("tasks_on_time_by_team", start="2018-01", end="2018-03"), "team")
    assert (teams["Complex Casework"]["on_time"], teams["Complex Casework"]["on_time_rate"]) == (
        1, 50.0,
    )  # fmt: skip
    types = rows(w.run_query("tasks_on_time_by_type", start="2018-01", end="2018-03"), "task_type")
    assert (types["Case review"]["due"], types["Case review"]["on_time_rate"]) == (5, 80.0)
    w.close()


def test_backlog_by_month(wh):
    df = wh.run_query("tasks_backlog_by_month", start="2017-10", end="2018-04")
    got = rows(df, "month")
    # Months before the first task (Dec 2017) and after the extract's last month are left out.
    assert list(got) == ["2017-12", "2018-01", "2018-02", "2018-03"]
    cols = ("open_tasks", "overdue", "not_yet_due", "overdue_share")
    assert {m: tuple(got[m][c] for c in cols) for m in got} == {
        "2017-12": (2, 1, 1, 50.0),  # T09 (due 20 Dec), T11
        "2018-01": (3, 1, 2, 33.3),  # T03 (due 20 Jan), T04 (due 31 Jan: not yet overdue), T11
        "2018-02": (4, 1, 3, 25.0),  # T04 overdue; T06, T07, T11 not yet due
        # T04, T10 overdue; T08, T11 and T12 (due 31 Mar, the month end itself) not yet due
        "2018-03": (5, 2, 3, 40.0),
    }
    assert str(got["2018-02"]["month_end"])[:10] == "2018-02-28"


def test_the_backlog_is_summed_from_event_cells_worked_out_by_hand(wh):
    """tasks_event_cells, which tasks_backlog_by_month sums: each day's tasks opened (created),
    closed (completed), falling due (the day after the due date) and leaving the overdue count
    (completed: the later of that day and the completion date), by offence category."""
    cells = wh.sql(
        "SELECT strftime(day, '%m-%d') AS d, opened, closed, fell_due, due_closed "
        "FROM tasks_event_cells WHERE offence_category = 'Burglary' ORDER BY day"
    )
    assert [tuple(r) for r in cells.itertuples(index=False)] == [
        ("01-02", 1, 0, 0, 0),  # T01 created
        ("01-03", 1, 0, 0, 0),  # T02 created
        ("01-09", 0, 1, 0, 0),  # T01 completed, a day before its due date
        ("01-11", 0, 0, 1, 1),  # T01 would be overdue from here, but it is done
        ("01-15", 0, 1, 0, 0),  # T02 completed on its due date
        ("01-16", 0, 0, 1, 1),
        ("02-01", 1, 0, 0, 0),  # T05 created
        ("02-10", 1, 0, 0, 0),  # T06 created
        ("02-14", 0, 1, 0, 0),  # T05 completed on its due date
        ("02-15", 0, 0, 1, 1),
        ("03-06", 0, 0, 1, 0),  # T06 overdue from the day after 5 March...
        ("03-10", 0, 1, 0, 1),  # ...until it is completed on 10 March
    ]
    # every task opens and falls due once; the seven completed close and leave the count once
    totals = wh.sql(
        "SELECT sum(opened) o, sum(closed) c, sum(fell_due) f, sum(due_closed) d "
        "FROM tasks_event_cells"
    ).iloc[0]
    assert tuple(totals) == (12, 7, 12, 7)


def test_backlog_by_month_crime_type(wh):
    got = rows(wh.run_query("tasks_backlog_by_month", crime_type="Burglary"), "month")
    # Only T06 (created 10 Feb, completed 10 Mar, due 5 Mar) is open at a month end.
    assert {m: (r["open_tasks"], r["overdue"], r["overdue_share"]) for m, r in got.items()} == {
        "2017-12": (0, 0, None),
        "2018-01": (0, 0, None),
        "2018-02": (1, 0, 0.0),
        "2018-03": (0, 0, None),
    }


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # 31 Mar: T10 age 6 overdue; T12 age 10 and T08 age 11 not yet due; T04 age 65 overdue;
        # T11 age 120 not yet due.
        (
            "2018-03",
            {
                ("0–7 days", "Overdue"): 1,
                ("8–30 days", "Not yet due"): 2,
                ("31–90 days", "Overdue"): 1,
                ("91+ days", "Not yet due"): 1,
            },
        ),
        # 28 Feb: T07 age 8 (the 8-30 band's first day) and T06 age 18, not yet due; T04 age 34
        # overdue; T11 age 89 not yet due.
        (
            "2018-02",
            {
                ("8–30 days", "Not yet due"): 2,
                ("31–90 days", "Overdue"): 1,
                ("31–90 days", "Not yet due"): 1,
            },
        ),
    ],
)
def test_open_age(wh, end, expected):
    df = wh.run_query("tasks_open_age", end=end)
    assert len(df) == 8  # every band and status, zeros included
    got = {(r.age_band, r.status): r.tasks for r in df.itertuples()}
    assert {k: v for k, v in got.items() if v} == expected
    assert list(df.drop_duplicates("band_order")["age_band"]) == [
        "0–7 days",
        "8–30 days",
        "31–90 days",
        "91+ days",
    ]


def test_open_age_crime_type(wh):
    df = wh.run_query("tasks_open_age", crime_type="Homicide", end="2018-03")
    assert df["tasks"].sum() == 1  # T11
    assert df.set_index(["age_band", "status"]).loc[("91+ days", "Not yet due"), "tasks"] == 1


def test_targets(wh):
    t = wh.run_query("measures").set_index("key")
    # data/reference/measures.csv
    assert t.loc["tasks_on_time", "target"] == 85.0
    assert t.loc["tasks_on_time", "better"] == "higher"
    assert t.loc["overdue_tasks", "target"] == 3000
    assert t.loc["overdue_tasks", "tolerance"] == 750
    with (REPO / "data" / "reference" / "measures.csv").open(newline="", encoding="utf-8") as f:
        assert len(t) == sum(1 for _ in csv.DictReader(f))  # every line of the registry loads
