"""TSJ reviews and disclosure assessments: staging, the tsj_ and disclosure_ queries, and the sample.

The small cases (REVIEWS, ANSWERS) are worked out by hand in the comments beside each row. A larger
set of random rows, written by this test from its own seed, is checked against pandas computed
straight from the CSV text; the sample's story is checked with pandas on the generated files.
The extract files are named for financial year 2017-18, so the extract is taken at 2018-03-31.
"""

from __future__ import annotations

import csv
import gzip
import math
import random
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from cjsperf.db import Warehouse

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
MCU_B, MCU_S = "Magistrates' Court Unit Birmingham", "Magistrates' Court Unit Stoke"
AG, ANG = "Anticipated guilty", "Anticipated not guilty"
Q1, Q2, Q3, Q4 = (
    "Initial disclosure complied with the duty",
    "Disclosure Record Sheet completed and endorsed",
    "Unused material schedules endorsed correctly",
    "Continuing disclosure handled in time",
)
FULL, PART, NOT, NA = "Fully met", "Partially met", "Not met", "Not applicable"

TSJ_HEADER = (
    "review_id,force_area,court_centre,offence_category,plea_type,review_type,due_date,"
    "completed_date,team"
)
REVIEWS = [
    # id, force, court, category, plea, type, due, completed, team
    ("R01", "West Midlands", "Birmingham Magistrates' Court", "Burglary", AG, "Initial", "2018-01-10", "2018-01-09", MCU_B),  # on time
    ("R02", "West Midlands", "Coventry Magistrates' Court", "Burglary", ANG, "Initial", "2018-01-15", "2018-01-15", MCU_B),  # on time: the due day
    ("R03", "Staffordshire", "North Staffordshire Justice Centre", "Robbery", ANG, "Trial readiness", "2018-01-20", "2018-02-05", MCU_S),  # late
    ("R04", "Staffordshire", "Cannock Magistrates' Court", "Theft And Handling", AG, "Initial", "2018-01-31", "", MCU_S),  # open, past due
    ("R05", "Warwickshire", "Nuneaton Justice Centre", "Burglary", AG, "Initial", "2018-02-14", "2018-02-14", MCU_B),  # on time
    ("R06", "West Mercia", "Worcester Justice Centre", "Sexual Offences", ANG, "Initial", "2018-03-05", "2018-03-10", "RASSO"),  # late
    ("R07", "West Mercia", "Telford Magistrates' Court", "Sexual Offences", ANG, "Trial readiness", "2018-03-20", "2018-03-15", "RASSO"),  # on time
    ("R08", "West Midlands", "Birmingham Magistrates' Court", "Motoring Offences", AG, "Initial", "2018-04-10", "", MCU_B),  # open, not yet due
    ("R09", "West Midlands", "Walsall Magistrates' Court", "Drugs Offences", AG, "Initial", "2017-12-20", "2018-01-04", MCU_B),  # late
    ("R10", "West Midlands", "Dudley Magistrates' Court", "Motoring Offences", ANG, "Initial", "2018-03-31", "", MCU_B),  # open, due on the extract's last day
]  # fmt: skip

IQA_HEADER = "assessment_id,assessed_date,force_area,offence_category,team,question,answer"
ASSESSMENTS = [
    # id, date, force, category, team, answers to Q1..Q4
    ("A1", "2018-01-05", "West Midlands", "Burglary", MCU_B, (FULL, PART, NOT, NA)),
    ("A2", "2018-01-20", "Staffordshire", "Robbery", MCU_S, (FULL, FULL, FULL, FULL)),
    ("A3", "2018-02-02", "Warwickshire", "Burglary", "Crown Court Unit Birmingham", (NA, NOT, PART, FULL)),
    ("A4", "2018-03-10", "West Mercia", "Sexual Offences", "RASSO", (FULL, PART, NA, NOT)),
]  # fmt: skip
ANSWERS = [(a, d, f, c, t, q, ans) for a, d, f, c, t, answers in ASSESSMENTS
           for q, ans in zip((Q1, Q2, Q3, Q4), answers, strict=True)]  # fmt: skip


def _line(row) -> str:
    return ",".join(f'"{v}"' if "," in v else v for v in row)


def _folder(root: Path, reviews, answers) -> Path:
    shutil.copytree(REPO / "data" / "reference", root / "reference")
    (root / "case_outcomes").mkdir()
    for name, header, rows in (
        ("tsj_reviews", TSJ_HEADER, reviews),
        ("disclosure_assessments", IQA_HEADER, answers),
    ):
        (root / name).mkdir()
        text = "\n".join([header, *map(_line, rows)]) + "\n"
        (root / name / f"{name}_2017-18.csv").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(_folder(tmp_path_factory.mktemp("casework"), REVIEWS, ANSWERS), db_path=None)
    w.sync()
    assert w.sql("SELECT count(*) AS n FROM stg_tsj_reviews")["n"][0] == len(REVIEWS)
    assert w.sql("SELECT count(*) AS n FROM stg_disclosure_assessments")["n"][0] == len(ANSWERS)
    assert w.problems().empty
    yield w
    w.close()


def rows(df, *keys):
    """{key value(s): {column: value}} with NaN/NA as None."""
    out = {}
    for rec in df.to_dict("records"):
        k = tuple(rec[c] for c in keys)
        out[k[0] if len(k) == 1 else k] = {
            c: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
            for c, v in rec.items()
            if c not in keys
        }
    return out


# ---------------------------------------------------------------- TSJ reviews, by hand

TSJ_COLS = ("due", "on_time", "late", "open_overdue", "not_yet_due", "on_time_rate")


def test_tsj_on_time_by_month(wh):
    got = rows(
        wh.run_query("tsj_reviews_on_time_by_month", start="2017-10", end="2018-06"), "month"
    )
    assert {m: tuple(r[c] for c in TSJ_COLS) for m, r in got.items()} == {
        "2017-12": (1, 0, 1, 0, 0, 0.0),  # R09 late
        "2018-01": (4, 2, 1, 1, 0, 50.0),  # R01, R02 on time; R03 late; R04 open past due
        "2018-02": (1, 1, 0, 0, 0, 100.0),  # R05
        "2018-03": (3, 1, 1, 1, 0, 33.3),  # R07 on time; R06 late; R10 open, due 31 Mar
        # R08 is open and due in April, after the extract was taken: no row for April
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # anticipated guilty pleas only: R09 (Dec, late); R01 on time, R04 open (Jan); R05 (Feb)
        ({"plea_type": AG}, {"2017-12": (1, 0.0), "2018-01": (2, 50.0), "2018-02": (1, 100.0)}),
        # not guilty: R02 on time, R03 late (Jan); R06 late, R07 on time, R10 open (Mar)
        ({"plea_type": ANG}, {"2018-01": (2, 50.0), "2018-03": (3, 33.3)}),
        # Staffordshire: R03 late, R04 open
        ({"area": "Staffordshire"}, {"2018-01": (2, 0.0)}),
        # Burglary: R01, R02 (Jan), R05 (Feb), all on time
        ({"crime_type": "Burglary"}, {"2018-01": (2, 100.0), "2018-02": (1, 100.0)}),
        # the sample holds the Area's forces only
        ({"area": "National"}, {}),
        ({"area": "CPS London"}, {}),
    ],
)
def test_tsj_on_time_by_month_filters(wh, params, expected):
    got = rows(wh.run_query("tsj_reviews_on_time_by_month", **params), "month")
    assert {m: (r["due"], r["on_time_rate"]) for m, r in got.items()} == expected


def test_tsj_a_flag_counts_every_review(wh):
    flag = wh.run_query("tsj_reviews_on_time_by_month", crime_type="Hate crime")
    every = wh.run_query("tsj_reviews_on_time_by_month", crime_type="All crime")
    assert flag.equals(every) and flag["due"].sum() == 9  # all but R08


def test_tsj_on_time_for_period(wh):
    r = wh.run_query("tsj_reviews_on_time_for_period", start="2018-01", end="2018-03").iloc[0]
    # R01-R07 and R10 due; on time R01, R02, R05, R07; late R03, R06; open R04, R10: 4 / 8
    assert tuple(r[c] for c in TSJ_COLS) == (8, 4, 2, 2, 0, 50.0)
    r = wh.run_query("tsj_reviews_on_time_for_period", start="2018-01", end="2018-04").iloc[0]
    assert (r.due, r.not_yet_due, r.on_time_rate) == (8, 1, 50.0)  # R08 cannot be judged yet
    assert wh.run_query("tsj_reviews_on_time_for_period", start="2016-01", end="2016-03").empty


def test_tsj_on_time_by_team_and_type(wh):
    p = {"start": "2018-01", "end": "2018-03"}
    team = rows(wh.run_query("tsj_reviews_on_time_by_team", **p), "team")
    assert {t: (r["due"], r["on_time"], r["on_time_rate"]) for t, r in team.items()} == {
        MCU_B: (4, 3, 75.0),  # R01, R02, R05 on time; R10 open
        MCU_S: (2, 0, 0.0),  # R03 late, R04 open
        "RASSO": (2, 1, 50.0),  # R07 on time, R06 late
    }
    kind = rows(wh.run_query("tsj_reviews_on_time_by_type", **p), "plea_type", "review_type")
    assert {k: (r["due"], r["on_time"], r["on_time_rate"]) for k, r in kind.items()} == {
        (AG, "Initial"): (3, 2, 66.7),  # R01, R05 on time; R04 open
        (ANG, "Initial"): (3, 1, 33.3),  # R02 on time; R06 late; R10 open
        (ANG, "Trial readiness"): (2, 1, 50.0),  # R07 on time; R03 late
    }


def test_tsj_a_changed_file_changes_the_counts_kept_for_the_on_time_queries(tmp_path):
    """The tsj_ queries sum a table made once per change of the extract
    (queries/derived/tsj_reviews_due_cells): when R04 (Staffordshire, anticipated guilty, initial,
    due 31 Jan, open past due) is completed on 30 January, a sync gives the new counts, hand
    worked from REVIEWS."""
    root = _folder(tmp_path / "data", REVIEWS, ANSWERS)
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()
    p = {"start": "2018-01", "end": "2018-03"}
    assert w.run_query("tsj_reviews_on_time_for_period", **p).iloc[0]["on_time"] == 4
    done = [(*r[:7], "2018-01-30", r[8]) if r[0] == "R04" else r for r in REVIEWS]
    path = root / "tsj_reviews" / "tsj_reviews_2017-18.csv"
    path.write_text("\n".join([TSJ_HEADER, *map(_line, done)]) + "\n", encoding="utf-8")
    assert w.sync().changed_extracts == ["tsj_reviews"]
    jan = rows(w.run_query("tsj_reviews_on_time_by_month", start="2018-01", end="2018-01"), "month")
    # due in January: R01, R02 and now R04 on time, R03 late: 3 / 4
    assert {m: tuple(r[c] for c in TSJ_COLS) for m, r in jan.items()} == {
        "2018-01": (4, 3, 1, 0, 0, 75.0)
    }
    r = w.run_query("tsj_reviews_on_time_for_period", **p).iloc[0]
    # Jan-Mar: 8 due; on time R01, R02, R04, R05, R07; late R03, R06; open R10: 5 / 8
    assert tuple(r[c] for c in TSJ_COLS) == (8, 5, 2, 1, 0, 62.5)
    team = rows(w.run_query("tsj_reviews_on_time_by_team", **p), "team")
    assert (team[MCU_S]["on_time"], team[MCU_S]["on_time_rate"]) == (1, 50.0)  # R04; R03 late
    kind = rows(w.run_query("tsj_reviews_on_time_by_type", **p), "plea_type", "review_type")
    assert (kind[(AG, "Initial")]["due"], kind[(AG, "Initial")]["on_time_rate"]) == (3, 100.0)
    w.close()


# ---------------------------------------------------------------- disclosure, by hand

IQA_COLS = ("answers", "fully_met", "partially_met", "not_met", "not_applicable", "fully_met_rate")


def test_disclosure_by_month(wh):
    got = rows(wh.run_query("disclosure_fully_met_by_month"), "month")
    assert {m: tuple(r[c] for c in IQA_COLS) for m, r in got.items()} == {
        "2018-01": (7, 5, 1, 1, 1, 71.4),  # A1: F, P, N, (NA); A2: F, F, F, F -> 5 / 7
        "2018-02": (3, 1, 1, 1, 1, 33.3),  # A3: (NA), N, P, F
        "2018-03": (3, 1, 1, 1, 1, 33.3),  # A4: F, P, (NA), N
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # the record sheet: A1 P, A2 F (Jan); A3 N (Feb); A4 P (Mar)
        ({"question": Q2}, {"2018-01": (2, 50.0), "2018-02": (1, 0.0), "2018-03": (1, 0.0)}),
        # Q1 in Feb: A3 not applicable, so no applicable answer and no rate
        ({"question": Q1, "start": "2018-02", "end": "2018-02"}, {"2018-02": (0, None)}),
        ({"area": "Staffordshire"}, {"2018-01": (4, 100.0)}),  # A2
        ({"crime_type": "Burglary"}, {"2018-01": (3, 33.3), "2018-02": (3, 33.3)}),  # A1, A3
        ({"crime_type": "Domestic abuse"}, {"2018-01": (7, 71.4), "2018-02": (3, 33.3),
                                            "2018-03": (3, 33.3)}),  # no flag: every answer
        ({"area": "National"}, {}),
    ],
)  # fmt: skip
def test_disclosure_by_month_filters(wh, params, expected):
    got = rows(wh.run_query("disclosure_fully_met_by_month", **params), "month")
    assert {m: (r["answers"], r["fully_met_rate"]) for m, r in got.items()} == expected


def test_disclosure_by_question_and_period(wh):
    got = rows(wh.run_query("disclosure_fully_met_by_question"), "question")
    assert {q: (r["answers"], r["fully_met"], r["not_applicable"], r["fully_met_rate"])
            for q, r in got.items()} == {
        Q1: (3, 3, 1, 100.0),  # F, F, (NA), F
        Q2: (4, 1, 0, 25.0),  # P, F, N, P
        Q3: (3, 1, 1, 33.3),  # N, F, P, (NA)
        Q4: (3, 2, 1, 66.7),  # (NA), F, F, N
    }  # fmt: skip
    r = wh.run_query("disclosure_fully_met_for_period").iloc[0]
    assert (r.assessments, r.answers, r.fully_met, r.fully_met_rate) == (4, 13, 7, 53.8)  # 7/13
    feb = wh.run_query("disclosure_fully_met_for_period", start="2018-02", end="2018-02").iloc[0]
    assert (feb.assessments, feb.answers, feb.fully_met_rate) == (1, 3, 33.3)


def test_disclosure_cells_count_each_assessment_once_in_its_all_questions_row(wh):
    """disclosure_cells, which the disclosure_ queries sum: each assessment is one case on one day,
    so one cell of month, category and force holds it, with a row per question and one for every
    question together, worked out from ASSESSMENTS."""
    cells = wh.sql(
        "SELECT strftime(month, '%Y-%m') AS m, force_area, question, assessments, answers, "
        "fully_met, partially_met, not_met, not_applicable FROM disclosure_cells"
    )
    assert len(cells) == 4 * 5  # four assessments, each its own cell: four questions and All
    every = cells[cells.question == "All questions"].set_index("force_area")
    assert {f: tuple(r)[2:] for f, r in every.iterrows()} == {
        "West Midlands": (1, 3, 1, 1, 1, 1),  # A1: F, P, N, (NA)
        "Staffordshire": (1, 4, 4, 0, 0, 0),  # A2: F, F, F, F
        "Warwickshire": (1, 3, 1, 1, 1, 1),  # A3: (NA), N, P, F
        "West Mercia": (1, 3, 1, 1, 1, 1),  # A4: F, P, (NA), N
    }
    q1 = cells[cells.question == Q1].set_index("force_area")
    assert q1.loc["Warwickshire", ["assessments", "answers", "not_applicable"]].tolist() == [
        1,
        0,
        1,
    ]
    # an assessment counts once in its All questions row, but once in each question's row
    assert every.assessments.sum() == 4
    assert cells[cells.question != "All questions"].assessments.sum() == 16


def test_disclosure_cells_add_two_assessments_of_one_cell_and_count_each_once(tmp_path):
    """Two more assessments in A1's month, force and category (A5 another day and team, A6 with
    two questions only): the cell counts three assessments in its All questions row and in Q1's,
    two in Q3's; January's figures add up as worked out by hand."""
    more = [
        ("A5", "2018-01-28", "West Midlands", "Burglary", "RASSO", (NOT, FULL, FULL, PART)),
        ("A6", "2018-01-09", "West Midlands", "Burglary", MCU_B, (FULL, FULL, None, None)),
    ]
    answers = ANSWERS + [
        (a, d, f, c, t, q, ans)
        for a, d, f, c, t, given in more
        for q, ans in zip((Q1, Q2, Q3, Q4), given, strict=True)
        if ans is not None
    ]
    w = Warehouse(_folder(tmp_path / "data", REVIEWS, answers), db_path=None)
    w.sync()
    assert w.problems().empty
    cell = w.sql(
        "SELECT question, assessments, answers, fully_met FROM disclosure_cells "
        "WHERE month = DATE '2018-01-01' AND force_area = 'West Midlands' ORDER BY question"
    ).set_index("question")
    assert cell.loc["All questions"].tolist() == [3, 9, 5]  # A1 F,P,N,(NA); A5 N,F,F,P; A6 F,F
    assert cell.loc[Q1].tolist() == [3, 3, 2]  # A1 F, A5 N, A6 F
    assert cell.loc[Q3].tolist() == [2, 2, 1]  # A1 N, A5 F (A6 not asked)
    jan = w.run_query("disclosure_fully_met_by_month", start="2018-01", end="2018-01").iloc[0]
    # with A2 (Staffordshire, F, F, F, F): 4 assessments, 13 applicable answers, 9 fully met
    assert (jan.assessments, jan.answers, jan.fully_met, jan.fully_met_rate) == (4, 13, 9, 69.2)
    q3 = w.run_query("disclosure_fully_met_for_period", question=Q3, end="2018-01").iloc[0]
    assert (q3.assessments, q3.answers, q3.fully_met) == (3, 3, 2)  # A1 N, A2 F, A5 F
    w.close()


# ---------------------------------------------------------------- against pandas, random rows


def half_up(num: int, den: int) -> float | None:
    if den == 0:
        return None
    return float((Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP))


@pytest.fixture(scope="module")
def random_case(tmp_path_factory):
    rnd = random.Random(9)
    courts = list(csv.DictReader((DATA / "reference" / "court_centres.csv").open()))
    mags = [c for c in courts if c["court_type"] == "Magistrates' court"]
    cats = ["Burglary", "Robbery", "Motoring Offences", "Drugs Offences"]
    reviews = []
    for i in range(400):
        c = rnd.choice(mags)
        due = pd.Timestamp("2017-06-01") + pd.Timedelta(days=rnd.randrange(0, 300))
        u = rnd.random()
        done = (
            ""
            if u < 0.08
            else str((due + pd.Timedelta(days=rnd.randrange(-6, 12))).date())
            if due + pd.Timedelta(days=12) <= pd.Timestamp("2018-03-31")
            else ""
        )
        reviews.append((f"X{i:04d}", c["force_area"], c["court_centre"], rnd.choice(cats),
                        rnd.choice([AG, ANG]), rnd.choice(["Initial", "Trial readiness"]),
                        str(due.date()), done, rnd.choice([MCU_B, MCU_S, "RASSO"])))  # fmt: skip
    answers = []
    for i in range(150):
        d = pd.Timestamp("2017-04-01") + pd.Timedelta(days=rnd.randrange(0, 365))
        force = rnd.choice(["West Midlands", "Staffordshire", "Warwickshire", "West Mercia"])
        cat, team = rnd.choice(cats), rnd.choice([MCU_B, MCU_S, "RASSO"])
        for q in (Q1, Q2, Q3, Q4):
            ans = rnd.choices([FULL, PART, NOT, NA], [5, 3, 2, 1])[0]
            answers.append((f"B{i:04d}", str(d.date()), force, cat, team, q, ans))
    root = _folder(tmp_path_factory.mktemp("casework_random"), reviews, answers)
    w = Warehouse(root, db_path=None)
    w.sync()
    assert w.problems().empty
    read = {
        n: pd.read_csv(root / n / f"{n}_2017-18.csv", dtype=str, keep_default_na=False)
        for n in ("tsj_reviews", "disclosure_assessments")
    }
    yield w, read["tsj_reviews"], read["disclosure_assessments"]
    w.close()


@pytest.mark.parametrize(
    "params",
    [{}, {"plea_type": ANG}, {"area": "West Midlands"}, {"crime_type": "Robbery"},
     {"area": "CPS West Midlands", "plea_type": AG, "crime_type": "Motoring Offences"}],
)  # fmt: skip
def test_tsj_by_month_against_pandas(random_case, params):
    w, t, _ = random_case
    if "plea_type" in params:
        t = t[t["plea_type"] == params["plea_type"]]
    if params.get("area", "CPS West Midlands") != "CPS West Midlands":
        t = t[t["force_area"] == params["area"]]
    if "crime_type" in params:
        t = t[t["offence_category"] == params["crime_type"]]
    due = pd.to_datetime(t["due_date"])
    done = pd.to_datetime(t["completed_date"].replace("", None))
    as_at = pd.Timestamp("2018-03-31")  # every review here is due by then: all are judged
    assert (due <= as_at).all()
    on = (done <= due).fillna(False)
    expected = {}
    for month, idx in t.groupby(due.dt.strftime("%Y-%m")).groups.items():
        n, k = len(idx), int(on[idx].sum())
        still_open = int(done[idx].isna().sum())
        expected[month] = (n, k, n - k - still_open, still_open, half_up(k, n))
    got = rows(w.run_query("tsj_reviews_on_time_by_month", **params), "month")
    cols = ("due", "on_time", "late", "open_overdue", "on_time_rate")
    assert {m: tuple(r[c] for c in cols) for m, r in got.items()} == expected
    assert len(expected) >= 5


@pytest.mark.parametrize(
    "params", [{}, {"question": Q2}, {"area": "Warwickshire", "crime_type": "Burglary"}]
)
def test_disclosure_by_month_against_pandas(random_case, params):
    w, _, d = random_case
    if "question" in params:
        d = d[d["question"] == params["question"]]
    if "area" in params:
        d = d[(d["force_area"] == params["area"]) & (d["offence_category"] == params["crime_type"])]
    expected = {}
    for month, g in d.groupby(d["assessed_date"].str[:7]):
        applicable = g[g["answer"] != NA]
        full = int((applicable["answer"] == FULL).sum())
        expected[month] = (len(applicable), full, half_up(full, len(applicable)))
    got = rows(w.run_query("disclosure_fully_met_by_month", **params), "month")
    assert {m: (r["answers"], r["fully_met"], r["fully_met_rate"]) for m, r in got.items()} == (
        expected
    )
    assert len(expected) >= 3


def test_rates_round_half_up(tmp_path):
    """17 fully met of 80 applicable answers is 21.25%: 21.3 (half-up), where round-half-even
    arithmetic on a float would give 21.2."""
    answers = [(f"H{i:03d}", "2018-01-10", "West Midlands", "Burglary", MCU_B, Q1,
                FULL if i < 17 else NOT) for i in range(80)]  # fmt: skip
    w = Warehouse(_folder(tmp_path, REVIEWS[:1], answers), db_path=None)
    w.sync()
    r = w.run_query("disclosure_fully_met_by_month").iloc[0]
    assert (r.answers, r.fully_met, r.fully_met_rate) == (80, 17, 21.3)
    w.close()


# ---------------------------------------------------------------- staging: bad lines

GOOD_REVIEW = REVIEWS[0]


def _review(**change):
    cols = TSJ_HEADER.split(",")
    row = dict(zip(cols, GOOD_REVIEW, strict=True))
    row.update(change)
    return tuple(row[c] for c in cols)


def _answer(**change):
    cols = IQA_HEADER.split(",")
    row = dict(zip(cols, ANSWERS[0], strict=True))
    row.update(change)
    return tuple(row[c] for c in cols)


BAD_REVIEWS = [
    # (the line's fields, the column named, words of what was expected)
    (_review(review_id="B01", force_area="Gotham"), "force_area", "a police force area"),
    (_review(review_id="B02", force_area="Staffordshire"), "force_area",
     "West Midlands, the force area of Birmingham Magistrates' Court"),
    (_review(review_id="B03", court_centre="Birmingham Crown Court"), "court_centre",
     "a magistrates' court"),
    (_review(review_id="B04", court_centre="Nowhere Court"), "court_centre",
     "a court centre in data/reference/court_centres.csv"),
    (_review(review_id="B05", offence_category="Burglery"), "offence_category",
     "one of the 12 CPS offence categories"),
    (_review(review_id="B06", plea_type="Guilty"), "plea_type",
     "one of: Anticipated guilty; Anticipated not guilty"),
    (_review(review_id="B07", review_type="Final"), "review_type", "one of: Initial; Trial readiness"),
    (_review(review_id="B08", due_date="2018-02-30"), "due_date", "a real date"),
    (_review(review_id="B09", due_date="2081-01-10"), "due_date",
     "a date at most 31 days after 2018-03-31"),
    (_review(review_id="B10", completed_date="10/01/2018"), "completed_date",
     "empty while open, or a real date"),
    (_review(review_id="B11", completed_date="2018-04-03"), "completed_date",
     "a date on or before 2018-03-31"),
    (_review(review_id="B12", completed_date="2016-12-20"), "completed_date",
     "at most a year before the due date 2018-01-10"),
    (_review(review_id="B13", team="Traffic"), "team", "one of: Magistrates' Court Unit Birmingham"),
    (_review(review_id=""), "review_id", "a review id"),
    (_review(), "review_id", "each review id once; already at tsj_reviews/tsj_reviews_2017-18.csv line 2"),
]  # fmt: skip
BAD_ANSWERS = [
    (_answer(question="Was disclosure good?"), "question",
     "one of: Initial disclosure complied with the duty"),
    (_answer(assessment_id="C1", answer="Yes"), "answer",
     "one of: Fully met; Partially met; Not met; Not applicable"),
    (_answer(assessment_id="C2", assessed_date="2018-13-01"), "assessed_date", "a real date"),
    (_answer(assessment_id="C3", assessed_date="2028-01-05"), "assessed_date",
     "a date at most 31 days after 2018-03-31"),
    (_answer(assessment_id="C4", force_area="Atlantis"), "force_area", "a police force area"),
    (_answer(assessment_id="C5", offence_category="Arson"), "offence_category",
     "one of the 12 CPS offence categories"),
    (_answer(assessment_id="C6", team="Unit 9"), "team", "one of: Magistrates' Court Unit"),
    (_answer(assessment_id=""), "assessment_id", "an assessment id"),
    # A1 answers Q1 twice: the second answer is refused
    (_answer(answer="Not met"), "question", "each question once per assessment; A1 already answers "
     "it at disclosure_assessments/disclosure_assessments_2017-18.csv line 2"),
    # One assessment is of one case on one day: A1's other answers must say what its first says
    (_answer(question=Q2, assessed_date="2018-1-6"), "assessed_date", "the assessed_date of "
     "assessment A1 at disclosure_assessments/disclosure_assessments_2017-18.csv line 2: 2018-01-05"),
    (_answer(question=Q3, force_area="Staffordshire"), "force_area", "the force_area of assessment "
     "A1 at disclosure_assessments/disclosure_assessments_2017-18.csv line 2: West Midlands"),
    (_answer(question=Q4, offence_category="Robbery", team="RASSO"), "offence_category",
     "the offence_category of assessment A1 at disclosure_assessments/"
     "disclosure_assessments_2017-18.csv line 2: Burglary"),
]  # fmt: skip


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    reviews = [GOOD_REVIEW, *(r for r, _, _ in BAD_REVIEWS)]
    answers = [ANSWERS[0], *(a for a, _, _ in BAD_ANSWERS)]
    w = Warehouse(_folder(tmp_path_factory.mktemp("casework_bad"), reviews, answers), db_path=None)
    w.sync()
    yield w
    w.close()


@pytest.mark.parametrize(
    ("extract", "cases", "i"),
    [("tsj_reviews", BAD_REVIEWS, i) for i in range(len(BAD_REVIEWS))]
    + [("disclosure_assessments", BAD_ANSWERS, i) for i in range(len(BAD_ANSWERS))],
)
def test_a_bad_line_is_a_problem_with_file_line_and_column(bad, extract, cases, i):
    _, column, expected = cases[i]
    line = i + 3  # the header is line 1, the good line 2
    p = bad.problems()
    found = p[(p["file"] == f"{extract}/{extract}_2017-18.csv") & (p["line"] == line)]
    assert list(found["column"]) == [column], found.to_dict("records")
    assert expected in found["expected"].iloc[0]
    assert found["severity"].iloc[0] == "error"


def test_bad_lines_do_not_load_and_the_good_ones_do(bad):
    assert list(bad.sql("SELECT review_id FROM stg_tsj_reviews")["review_id"]) == ["R01"]
    got = bad.sql("SELECT assessment_id, question, answer FROM stg_disclosure_assessments")
    assert got.values.tolist() == [["A1", Q1, FULL]]
    s = bad.summary().set_index("extract")
    assert (s.loc["tsj_reviews", "rows_loaded"], s.loc["tsj_reviews", "rows_rejected"]) == (1, 15)
    assert s.loc["disclosure_assessments", "rows_rejected"] == len(BAD_ANSWERS)


def test_a_disagreeing_answer_is_named_as_the_file_gives_it_and_its_correction_loads(tmp_path):
    """The refused answer's value is the file's text (as for every date problem), and a corrected
    repeat of it loads: a refused line is no first answer to its question (found in review)."""
    rows = [
        ("X1", "2018-01-05", "West Midlands", "Burglary", MCU_B, Q1, FULL),
        ("X1", "2018-1-6", "West Midlands", "Burglary", MCU_B, Q2, PART),  # another day
        ("X1", "2018-01-05", "West Midlands", "Burglary", MCU_S, Q3, PART),  # another team
        ("X1", "2018-01-05", "West Midlands", "Burglary", MCU_B, Q2, PART),  # line 3 corrected
        ("X1", "2018-01-05", "West Midlands", "Burglary", MCU_B, Q3, NOT),  # line 4 corrected
    ]
    w = Warehouse(_folder(tmp_path / "d", [GOOD_REVIEW], rows), db_path=None)
    w.sync()
    p = w.problems()
    p = p[p["extract"] == "disclosure_assessments"]
    assert [(r.line, r.column, r.value) for r in p.itertuples()] == [
        (3, "assessed_date", "2018-1-6"), (4, "team", MCU_S)]  # fmt: skip
    got = w.sql("SELECT line, question FROM stg_disclosure_assessments ORDER BY line")
    assert got.values.tolist() == [[2, Q1], [5, Q2], [6, Q3]]
    w.close()


def test_an_assessment_split_over_two_files_agrees_with_itself_and_a_resync_rechecks_it(tmp_path):
    """An assessment's answers in two files (its first in 2016-17) must give one team: the later
    answer is refused, naming the first; correcting only the later file loads it, and changing
    only the first file's team refuses the other file's answer in its turn (a re-sync of one file
    checks again the lines of other files that share its assessments)."""
    root = _folder(tmp_path / "d", [], [])
    folder = root / "disclosure_assessments"
    (folder / "disclosure_assessments_2017-18.csv").unlink()
    first = ("A9", "2017-03-30", "West Midlands", "Burglary", MCU_B, Q1, FULL)
    later = ("A9", "2017-03-30", "West Midlands", "Burglary", MCU_S, Q2, PART)

    def write(name, *rows):
        text = "\n".join([IQA_HEADER, *map(_line, rows)]) + "\n"
        (folder / f"disclosure_assessments_{name}.csv").write_text(text, encoding="utf-8")

    write("2016-17", first, ("A8", "2017-03-01", "Staffordshire", "Robbery", MCU_S, Q1, FULL))
    write("2017-18", later)
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()

    def state():
        p = w.problems()
        p = p[p["extract"] == "disclosure_assessments"]
        loaded = w.sql("SELECT assessment_id, question, team FROM stg_disclosure_assessments "
                       "ORDER BY 1, 2").values.tolist()  # fmt: skip
        return loaded, [(r.file[-11:], r.line, r.column, r.expected) for r in p.itertuples()]

    team_of_a9 = ("the team of assessment A9 at disclosure_assessments/"
                  "disclosure_assessments_2016-17.csv line 2: " + MCU_B)  # fmt: skip
    assert state() == (
        [["A8", Q1, MCU_S], ["A9", Q1, MCU_B]],
        [("2017-18.csv", 2, "team", team_of_a9)],
    )
    write("2017-18", later[:4] + (MCU_B,) + later[5:])  # the later file corrected
    w.sync()
    assert state() == (
        [["A8", Q1, MCU_S], ["A9", Q2, MCU_B], ["A9", Q1, MCU_B]],
        [],
    )  # Q2 sorts first
    write("2016-17", first[:4] + (MCU_S,) + first[5:], ("A8", "2017-03-01", "Staffordshire",
          "Robbery", MCU_S, Q1, FULL))  # now the first file disagrees  # fmt: skip
    w.sync()
    team_now = team_of_a9.replace(MCU_B, MCU_S)
    assert state() == (
        [["A8", Q1, MCU_S], ["A9", Q1, MCU_S]],
        [("2017-18.csv", 2, "team", team_now)],
    )
    w.close()


# ---------------------------------------------------------------- the sample's story


def _sample(name: str) -> pd.DataFrame:
    files = sorted((DATA / name).glob(f"{name}_*.csv.gz"))
    assert [p.name for p in files] == [
        f"{name}_{fy}.csv.gz" for fy in ("2015-16", "2016-17", "2017-18")
    ]
    return pd.concat(
        [pd.read_csv(gzip.open(p), dtype=str, keep_default_na=False) for p in files]
    )  # fmt: skip


def test_sample_tsj_story():
    t = _sample("tsj_reviews")
    due = pd.to_datetime(t["due_date"])
    done = pd.to_datetime(t["completed_date"].replace("", None))
    on = done <= due
    assert due.min() >= pd.Timestamp("2015-06-01")  # TSJ began in June 2015
    assert due.max() <= pd.Timestamp("2018-03-31")
    assert done.max() <= pd.Timestamp("2018-03-31")
    assert 0 < done.isna().sum() < 1000  # open at the extract date: empty completed_date
    assert t["review_id"].is_unique
    by_plea = on.groupby(t["plea_type"]).mean()
    # mostly on time for anticipated guilty pleas, worse for not guilty
    assert by_plea[AG] > by_plea[ANG] + 0.08
    assert by_plea[AG] > 0.8
    before = on[(due >= "2016-11-01") & (due < "2017-10-01")].mean()
    after = on[due >= "2017-11-01"].mean()
    assert after > before + 0.03  # better after the ODP (25 Sep 2017) and the October training
    courts = list(csv.DictReader((DATA / "reference" / "court_centres.csv").open()))
    own = {c["court_centre"]: (c["court_type"], c["force_area"]) for c in courts}
    pairs = set(zip(t["court_centre"], t["force_area"], strict=True))
    assert all(own[c] == ("Magistrates' court", f) for c, f in pairs)


def test_sample_disclosure_story():
    d = _sample("disclosure_assessments")
    assert not d.duplicated(["assessment_id", "question"]).any()
    assert (d.groupby("assessment_id").size() == 4).all()
    applicable = d[d["answer"] != NA]
    full = (applicable["answer"] == FULL).groupby(applicable["question"]).mean()
    assert full.max() < 0.7  # often not fully met
    assert full.idxmin() == Q2  # the Disclosure Record Sheet weakest, as HMCPSI found
    date = pd.to_datetime(applicable["assessed_date"])
    is_full = applicable["answer"] == FULL
    before = is_full[(date >= "2016-11-01") & (date < "2017-10-01")].mean()
    after = is_full[date >= "2017-11-01"].mean()
    assert after > before + 0.03


def test_an_assessment_across_a_block_of_lines_is_checked_whole_when_one_line_changes(tmp_path):
    """A changed file whose lines were typed is staged again block by block (1,024 lines); an
    assessment whose answers straddle two blocks is checked whole when a line of one changes."""
    root = _folder(tmp_path / "d", [], [])
    path = root / "disclosure_assessments" / "disclosure_assessments_2017-18.csv"
    answers = [(f"B{i:04d}", "2018-01-05", "West Midlands", "Burglary", MCU_B, q, FULL)
               for i in range(300) for q in (Q1, Q2, Q3, Q4)]  # fmt: skip
    # lines 1,022..1,025 (header first): B0255's four answers, two blocks of lines
    assert [a[0] for a in answers[1020:1024]] == ["B0255"] * 4

    def write(rows):
        path.write_text("\n".join([IQA_HEADER, *map(_line, rows)]) + "\n", encoding="utf-8")

    write(answers)
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()

    def problems():
        p = w.problems()
        return p[p["extract"] == "disclosure_assessments"]

    assert problems().empty
    changed = list(answers)
    changed[1023] = answers[1023][:4] + ("RASSO",) + answers[1023][5:]  # line 1,025: B0255's Q4
    write(changed)
    w.sync()
    p = problems()
    assert [(r.line, r.column, r.value) for r in p.itertuples()] == [(1025, "team", "RASSO")]
    assert "line 1022: " + MCU_B in p["expected"].iloc[0], w.staged_lines
    n = w.sql("SELECT count(*) AS n FROM stg_disclosure_assessments")["n"][0]
    assert n == len(answers) - 1
    w.close()
