"""The training extract (HMCPSI issues 1-2): staging rejects, the training queries against
hand-worked fixtures and against pandas on the committed sample, the sample's story, and the
People page under AppTest.

Every expected figure is worked out by hand in the comments or computed with pandas straight from
the CSV files, never copied from the code's output.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from cjsperf.db import Warehouse
from tests.apptest_support import DATA, captions, metric_values

HEADER = "person_id,staff_group,team,course,assigned_date,due_date,completed_date"
VISION = "Area vision and Operational Delivery Plan"
# File named for October 2017: the extract is taken at 2017-10-31 (its period's end).
FIXTURE = [
    "A,Administrative,RASSO,Data protection,2017-09-01,2017-09-30,2017-09-15",  # Sep, on time
    "B,Administrative,RASSO,Data protection,2017-09-01,2017-09-30,2017-10-05",  # Sep, late
    "C,Administrative,RASSO,Data protection,2017-09-01,2017-09-20,",  # Sep, outstanding past due
    "D,Lawyer,RASSO,Disclosure,2017-09-01,2017-09-29,2017-09-29",  # Sep, on the due date: on time
    f"E,Lawyer,RASSO,{VISION},2017-10-02,2017-10-31,",  # Oct, due on the extract date, outstanding
    "F,Manager,Complex Casework,Value for money,2017-10-02,2017-11-30,",  # Nov, not yet due
    "G,Manager,Complex Casework,Value for money,2017-10-02,2017-11-30,2017-10-20",  # Nov, on time
]


def _folder(root: Path, lines: list[str], name: str = "training_2017_10.csv") -> Path:
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    (root / "training").mkdir(parents=True)
    (root / "training" / name).write_text("\n".join([HEADER, *lines]) + "\n")
    return root


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(_folder(tmp_path_factory.mktemp("training"), FIXTURE), db_path=None)
    w.sync()
    yield w
    w.close()


# ---------------------------------------------------------------------------- staging


def test_staging_rejects_bad_rows_with_file_line_and_column(tmp_path):
    lines = [
        "P1,Administrative,RASSO,Task management,2017-10-02,2017-10-31,2017-10-20",  # 2: good
        "P1,Administrative,RASSO,Task management,2017-10-02,2017-10-31,2017-10-25",  # 3: repeat
        "P2,Clerk,RASSO,Task management,2017-10-02,2017-10-31,",  # 4: unknown staff group
        "P3,Lawyer,RASSO,Knitting,2017-10-02,2017-10-31,",  # 5: unknown course
        "P4,Lawyer,RASSO,Disclosure,2017-10-02,2017-09-30,",  # 6: due before assigned
        "P5,Lawyer,RASSO,Disclosure,2017-10-02,2017-10-31,2017-09-01",  # 7: done before assigned
        "P6,Lawyer,RASSO,Disclosure,2017-10-02,2017-10-31,2017-13-01",  # 8: not a date
        "P7,Lawyer,RASSO,Disclosure,2081-10-02,2081-10-31,",  # 9: beyond the period (2081)
        ",Lawyer,RASSO,Disclosure,2017-10-02,2017-10-31,",  # 10: no person id
        "P8,Lawyer,Typing pool,Disclosure,2017-10-02,2017-10-31,",  # 11: unknown team
        "P9,Manager,RASSO,Value for money,2017-10-03,2017-10-31,",  # 12: good
        "P1,Administrative,RASSO,Task management,2017-10-09,2017-10-31,",  # 13: another day: good
    ]
    w = Warehouse(_folder(tmp_path, lines), db_path=None)
    w.sync()
    probs = w.sql(
        "SELECT file, line, \"column\", expected FROM load_problems WHERE extract = 'training'"
    )
    got = {(int(r.line), r.column) for r in probs.itertuples()}
    assert got == {
        (3, "person_id"), (4, "staff_group"), (5, "course"), (6, "due_date"),
        (7, "completed_date"), (8, "completed_date"), (9, "assigned_date"), (9, "due_date"),
        (10, "person_id"), (11, "team"),
    }  # fmt: skip
    assert set(probs["file"]) == {"training/training_2017_10.csv"}
    repeat = probs[probs["line"] == 3]["expected"].iloc[0]
    assert "already at training/training_2017_10.csv line 2" in repeat
    loaded = w.sql("SELECT person_id, assigned_date::VARCHAR AS d FROM stg_training ORDER BY 1, 2")
    assert list(zip(loaded.person_id, loaded.d)) == [
        ("P1", "2017-10-02"), ("P1", "2017-10-09"), ("P9", "2017-10-03")
    ]  # fmt: skip
    w.close()


# ---------------------------------------------------------------------------- queries, by hand


def test_completion_by_month_hand_worked(wh):
    df = wh.run_query("training_completion_by_month")
    # Sep: A, B, C, D due; A and D (on the due date) on time, B late, C outstanding past due: 2/4.
    # Oct: E due on the extract date and outstanding: judged, not on time: 0/1.
    # Nov: F and G due after the extract date: no month wholly after the extract is shown.
    assert df.to_dict("list") == {
        "month": ["2017-09", "2017-10"], "due": [4, 1], "on_time": [2, 0], "late": [1, 0],
        "open_overdue": [1, 1], "not_yet_due": [0, 0], "on_time_rate": [50.0, 0.0],
    }  # fmt: skip
    admin = wh.run_query("training_completion_by_month", staff_group="Administrative")
    # A on time of A, B, C: 1/3 = 33.33 -> 33.3
    assert admin[["month", "due", "on_time", "on_time_rate"]].values.tolist() == [
        ["2017-09", 3, 1, 33.3]
    ]
    assert wh.run_query("training_completion_by_month", staff_group="Clerk").empty


def test_completion_by_group_hand_worked(wh):
    df = wh.run_query("training_completion_by_group", start="2017-09", end="2017-11")
    got = {(r.staff_group, r.course): (r.due, r.on_time, r.open_overdue, r.not_yet_due,
                                       r.on_time_rate) for r in df.itertuples()}  # fmt: skip
    assert got[("Administrative", "All courses")] == (3, 1, 1, 0, 33.3)
    assert got[("Lawyer", VISION)] == (1, 0, 1, 0, 0.0)
    assert got[("Lawyer", "All courses")] == (2, 1, 1, 0, 50.0)
    # F is outstanding and due 30 Nov, after the extract date: not judged; G on time
    assert got[("Manager", "Value for money")] == (1, 1, 0, 1, 100.0)
    # A, D, G on time of A, B, C, D, E, G: 3/6
    assert got[("All staff", "All courses")] == (6, 3, 2, 1, 50.0)
    assert got[("All staff", "Data protection")] == (3, 1, 1, 0, 33.3)
    assert len(df) == 4 + 3 + 4 + 1  # 4 group+course, 3 groups, 4 courses, 1 total


def test_backlog_and_outstanding_hand_worked(wh):
    df = wh.run_query("training_backlog_by_month")
    # 30 Sep: B (done 5 Oct) and C outstanding; C due 20 Sep is overdue, B due 30 Sep is not yet.
    # 31 Oct: C, E, F outstanding; only C overdue (E is due on 31 Oct itself).
    assert df[["month", "outstanding", "overdue", "not_yet_due", "overdue_share"]].values.tolist() == [
        ["2017-09", 2, 1, 1, 50.0], ["2017-10", 3, 1, 2, 33.3],
    ]  # fmt: skip
    out = wh.run_query("training_outstanding_by_group", end="2018-03")  # capped at 31 Oct 2017
    assert str(out["as_at"].iloc[0])[:10] == "2017-10-31"
    got = {(r.staff_group, r.course): (r.outstanding, r.overdue) for r in out.itertuples()}
    assert got[("All staff", "All courses")] == (3, 1)
    assert got[("Administrative", "All courses")] == (1, 1)
    assert got[("Manager", "Value for money")] == (1, 0)


def test_the_span_and_a_staff_groups_backlog_month_by_month_hand_worked(wh):
    """training_span (queries/derived) holds the month of the first course assigned (1 Sep 2017)
    and the day the extract was taken (its file names October 2017: 31 Oct); the backlog has a
    row for every month between them, however wide the months asked for, with zeros for a month
    in which the staff group had nothing outstanding."""
    ((first, as_at),) = wh.sql("SELECT first_month, as_at FROM training_span").values.tolist()
    assert (str(first)[:10], str(as_at)[:10]) == ("2017-09-01", "2017-10-31")
    lawyer = wh.run_query(
        "training_backlog_by_month", staff_group="Lawyer", start="2016-01", end="2019-12"
    )
    # 30 Sep: D was completed on 29 Sep, E not yet assigned: nothing outstanding.
    # 31 Oct: E outstanding, due that day: not overdue.
    cols = ["month", "month_end", "outstanding", "overdue", "not_yet_due"]
    assert lawyer[cols].astype(str).values.tolist() == [
        ["2017-09", "2017-09-30", "0", "0", "0"], ["2017-10", "2017-10-31", "1", "0", "1"],
    ]  # fmt: skip
    assert pd.isna(lawyer["overdue_share"].iloc[0]) and lawyer["overdue_share"].iloc[1] == 0.0
    # Administrative: B (done 5 Oct) and C (due 20 Sep) outstanding on 30 Sep; C alone on 31 Oct
    admin = wh.run_query("training_backlog_by_month", staff_group="Administrative", end="2017-10")
    assert admin[["month", "outstanding", "overdue"]].values.tolist() == [
        ["2017-09", 2, 1], ["2017-10", 1, 1],
    ]  # fmt: skip


def test_by_group_tables_order_their_rows_and_give_the_area_zeros_when_there_is_nothing(wh):
    """The totals are rows of the counts kept for the queries (not grouped again on each run):
    the tables still list each staff group's courses first, then its 'All courses' row, with the
    'All staff' rows last; and a period with nothing due, or a day before any course was assigned,
    gives one row of zeros for the whole Area, not an empty table."""
    df = wh.run_query("training_completion_by_group", start="2017-09", end="2017-11")
    assert list(zip(df.staff_group, df.course))[:3] == [
        ("Administrative", "Data protection"), ("Administrative", "All courses"),
        ("Lawyer", VISION),  # 'Area vision…' sorts before 'Disclosure'
    ]  # fmt: skip
    assert list(zip(df.staff_group, df.course))[-2:] == [
        ("All staff", "Value for money"), ("All staff", "All courses"),
    ]  # fmt: skip
    empty = wh.run_query("training_completion_by_group", start="2016-01", end="2016-12")
    assert empty[["staff_group", "course", "due", "on_time"]].values.tolist() == [
        ["All staff", "All courses", 0, 0]
    ]
    assert pd.isna(empty["on_time_rate"].iloc[0])
    # 31 Aug 2017: no course had been assigned yet (the first on 1 Sep)
    before = wh.run_query("training_outstanding_by_group", end="2017-08")
    assert before[["staff_group", "course", "outstanding", "overdue"]].values.tolist() == [
        ["All staff", "All courses", 0, 0]
    ]
    assert str(before["as_at"].iloc[0])[:10] == "2017-08-31"


def test_a_changed_file_changes_the_counts_kept_for_the_queries(tmp_path):
    """The training queries sum tables made once per change of the extract (queries/derived):
    when C's course is completed (10 Oct, after its due date of 20 Sep), a sync gives the new
    counts, hand worked as above."""
    root = _folder(tmp_path / "data", FIXTURE)
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()
    lines = [ln + "2017-10-10" if ln.startswith("C,") else ln for ln in FIXTURE]
    (root / "training" / "training_2017_10.csv").write_text("\n".join([HEADER, *lines]) + "\n")
    assert w.sync().changed_extracts == ["training"]
    df = w.run_query("training_backlog_by_month")
    # 30 Sep: B and C still outstanding, C overdue; 31 Oct: E and F, neither overdue.
    assert df[["month", "outstanding", "overdue"]].values.tolist() == [
        ["2017-09", 2, 1], ["2017-10", 2, 0],
    ]  # fmt: skip
    sep = w.run_query("training_completion_by_month").iloc[0]
    # Sep: A and D on time, B and C late, none outstanding: 2/4
    assert (sep.due, sep.on_time, sep.late, sep.open_overdue) == (4, 2, 2, 0)
    out = w.run_query("training_outstanding_by_group", end="2017-10")
    got = {(r.staff_group, r.course): (r.outstanding, r.overdue) for r in out.itertuples()}
    assert got[("All staff", "All courses")] == (2, 0)
    assert ("Administrative", "All courses") not in got  # nothing of theirs outstanding
    w.close()


# ---------------------------------------------------------------------------- the sample


def _half_up(num: int, den: int) -> float:
    return float((Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP))


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    files = sorted((DATA / "training").glob("training_*.csv.gz"))
    assert [f.name for f in files] == [
        "training_2015-16.csv.gz", "training_2016-17.csv.gz", "training_2017-18.csv.gz"
    ]  # fmt: skip
    df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    for c in ("assigned_date", "due_date", "completed_date"):
        df[c] = pd.to_datetime(df[c].replace("", None))
    as_at = pd.Timestamp("2018-03-31")  # the end of the latest file's financial year
    df["judged"] = df["completed_date"].notna() | (df["due_date"] <= as_at)
    df["on_time"] = df["completed_date"].notna() & (df["completed_date"] <= df["due_date"])
    return df


def _rate(df: pd.DataFrame) -> float:
    j = df[df["judged"]]
    return _half_up(int(j["on_time"].sum()), len(j))


def test_the_story_administrative_staff_behind_before_october_2017_then_catching_up(sample):
    admin = sample[sample["staff_group"] == "Administrative"]
    others = sample[sample["staff_group"] != "Administrative"]
    before = admin[admin["due_date"] < "2017-10-01"]
    after = admin[admin["due_date"] >= "2017-11-01"]
    assert _rate(before) < 65.0 < 80.0 < _rate(after)
    assert _rate(others[others["due_date"] < "2017-10-01"]) - _rate(before) > 15.0
    # the vision/ODP briefing went to everyone in post, assigned 25 Sep - 6 Oct 2017, due 31 Oct
    vision = sample[(sample["course"] == VISION) & (sample["assigned_date"] <= "2017-10-06")]
    assert vision["assigned_date"].min() >= pd.Timestamp("2017-09-25")
    assert set(vision["staff_group"]) == {"Administrative", "Paralegal", "Lawyer", "Manager"}
    assert 500 <= vision["person_id"].nunique() <= 700  # a realistic headcount at scale 1

    # administrative staff's overdue courses outstanding fell after the catch-up
    def overdue_at(day):
        d = pd.Timestamp(day)
        open_ = (admin["assigned_date"] <= d) & (
            admin["completed_date"].isna() | (admin["completed_date"] > d)
        )
        return int((open_ & (admin["due_date"] < d)).sum())  # fmt: skip

    assert overdue_at("2017-09-30") > 2 * overdue_at("2017-12-31")


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample_training")
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(DATA / "training", root / "training", ignore=shutil.ignore_patterns(".*"))
    w = Warehouse(root, db_path=None)
    w.sync()
    yield w
    w.close()


@pytest.mark.parametrize("group", ["All staff", "Administrative", "Lawyer"])
def test_completion_by_month_matches_pandas_on_the_sample(sample_wh, sample, group):
    df = sample_wh.run_query("training_completion_by_month", staff_group=group)
    s = sample if group == "All staff" else sample[sample["staff_group"] == group]
    s = s.assign(month=s["due_date"].dt.strftime("%Y-%m"))
    s = s[s["month"] <= "2018-03"]
    expect = {m: _rate(part) for m, part in s.groupby("month")}
    assert dict(zip(df["month"], df["on_time_rate"], strict=True)) == expect


# ---------------------------------------------------------------------------- the page


def _period(sample, start, end):
    s = sample[(sample["due_date"] >= start) & (sample["due_date"] < end)]
    return _rate(s), _rate(s[s["staff_group"] == "Administrative"])


def test_people_page_headline_figures_and_no_crime_type_or_force(open_app, sample):
    at = open_app("pages/people.py", start="2017-04", end="2018-03")
    all_rate, admin_rate = _period(sample, "2017-04-01", "2018-04-01")
    shown = metric_values(at)
    assert shown["By due date"] == f"{all_rate:.1f}%"
    assert shown["Administrative staff"] == f"{admin_rate:.1f}%"
    # National is compared by default; the training extract is the Area's only: said as elsewhere
    assert "Comparisons with National and other areas are not available" in captions(at)
    # a crime type and a force do not apply: the page says so and shows the same figures
    at2 = open_app("pages/people.py", start="2016-04", end="2017-03",
                   crime_type="Burglary", geography="Staffordshire")  # fmt: skip
    all_before, admin_before = _period(sample, "2016-04-01", "2017-04-01")
    shown2 = metric_values(at2)
    assert shown2["By due date"] == f"{all_before:.1f}%"
    assert shown2["Administrative staff"] == f"{admin_before:.1f}%"
    text = captions(at2)
    assert "Training courses are not recorded by crime type" in text
    assert "Training courses are not recorded by police force" in text


def test_overview_tiles_for_training(open_app, sample):
    at = open_app(None)  # default period: the 12 months to Mar 2018, so the tiles show Mar 2018
    shown = metric_values(at)
    march = sample[(sample["due_date"] >= "2018-03-01") & (sample["due_date"] <= "2018-03-31")]
    assert shown["Training completed by due date"] == f"{_rate(march):.1f}%"
    end = pd.Timestamp("2018-03-31")
    open_ = (sample["assigned_date"] <= end) & (
        sample["completed_date"].isna() | (sample["completed_date"] > end)
    )
    assert (
        shown["Overdue training at month end"]
        == f"{int((open_ & (sample['due_date'] < end)).sum()):,}"
    )
