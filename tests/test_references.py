"""The reference files (data/reference/*.csv) are checked like extracts: a bad value is a problem
with its file, line and column, the good rows still load, and `check` fails. The measure registry
and the events load into typed tables (ref_measures, ref_events) whose shape is a contract."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from cjsperf.__main__ import print_check
from cjsperf.db import Warehouse
from cjsperf.headlines import literal
from tests.test_ingest import CO_JAN, CO_MAR, P4, SPEND_HEADER, T4, TASKS_HEADER, make_base, write

SPEND_P5 = "P5,2017-11-02,Warwick Crown Court,Warwickshire,External counsel fee,Robbery,0,1250.50"

REGISTRY_KEYS = [
    "conviction_rate",
    "hate_crime_conviction_rate",
    "domestic_abuse_conviction_rate",
    "agent_spend",
    "agent_session_share",
    "cost_per_agent_session",
    "tasks_on_time",
    "overdue_tasks",
    "sessions_listed",
    "training_on_time",
    "overdue_training",
    "vcl_letters_on_time",
    "vcl_letter_quality",
    "effective_trial_rate",
    "prosecution_attributed_trials",
    "witness_attendance",
    "tsj_reviews_on_time",
    "disclosure_fully_met",
]


@pytest.fixture
def base(tmp_path) -> Path:
    return make_base(tmp_path / "data")


def loaded(base: Path) -> Warehouse:
    wh = Warehouse(base, db_path=None)
    wh.sync()
    return wh


def edit(base: Path, name: str, key_col: str, key: str, col: str, value: str) -> int:
    """Set one cell of reference/<name>.csv; return the physical line of the row changed."""
    path = base / "reference" / f"{name}.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    (i,) = [i for i, r in enumerate(rows) if r[key_col] == key]
    rows[i][col] = value
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return i + 2


def test_the_registry_and_events_load_typed(base):
    wh = loaded(base)
    assert wh.problems().empty
    types = dict(wh.sql("DESCRIBE ref_measures")[["column_name", "column_type"]].values)
    assert types == {
        "key": "VARCHAR", "label": "VARCHAR", "unit": "VARCHAR", "better": "VARCHAR",
        "query": "VARCHAR", "column": "VARCHAR", "crime_type": "VARCHAR",
        "by_crime_type": "BOOLEAN", "by_flag": "BOOLEAN", "by_force": "BOOLEAN",
        "area_total": "BOOLEAN",
        "synthetic": "BOOLEAN", "base_columns": "VARCHAR[]", "base_noun": "VARCHAR",
        "page": "VARCHAR", "target": "DOUBLE", "tolerance": "DOUBLE", "definition": "VARCHAR",
        "position": "INTEGER",
    }  # fmt: skip
    m = wh.sql("SELECT * FROM ref_measures ORDER BY position")
    assert list(m.key) == REGISTRY_KEYS
    assert list(m.position) == list(range(1, len(REGISTRY_KEYS) + 1))
    conv = m.iloc[0]
    assert (conv.target, conv.tolerance, conv.better, conv.unit) == (85.0, 2.0, "higher", "%")
    # all crime shows CPS's headline rate; a category, the rate of its own cases
    assert conv.column == "headline_rate;conviction_rate"
    assert list(conv.base_columns) == ["convictions", "unsuccessful", "admin_finalised"]
    assert pd.isna(conv.crime_type) and bool(conv.by_crime_type) and not bool(conv.synthetic)
    assert not bool(conv.by_flag)  # a flag's conviction rate is a measure of its own
    assert list(m[m.by_flag].key) == [
        "vcl_letters_on_time", "vcl_letter_quality", "effective_trial_rate",
        "prosecution_attributed_trials", "witness_attendance",
    ]  # fmt: skip
    hate = m.iloc[1]
    assert hate.crime_type == "Hate crime" and hate.target == 83.4
    spend = m.iloc[3]
    assert list(spend.base_columns) == [] and bool(spend.area_total) and spend.target == 300000
    ev = wh.sql("SELECT * FROM ref_events ORDER BY date")
    types = dict(wh.sql("DESCRIBE ref_events")[["column_name", "column_type"]].values)
    assert types == {
        "date": "DATE", "label": "VARCHAR", "process_change": "BOOLEAN",
        "measures": "VARCHAR[]", "note": "VARCHAR",
    }  # fmt: skip
    assert [str(d.date()) for d in ev.date] == ["2017-09-25", "2017-10-02"]
    assert list(ev.process_change) == [True, False]
    assert list(ev.measures[1]) == [
        "tasks_on_time", "overdue_tasks", "agent_spend", "training_on_time", "overdue_training"
    ]  # fmt: skip
    wh.close()


# (file, key column, key, column, bad value, what the reason says)
BAD = [
    ("measures", "key", "conviction_rate", "target", "85%", "a plain number"),
    ("measures", "key", "agent_spend", "target", "300,000", "a plain number"),
    ("measures", "key", "tasks_on_time", "better", "up", "higher; lower; neither"),
    ("measures", "key", "overdue_tasks", "tolerance", "-5", "a plain number of 0 or more"),
    ("measures", "key", "agent_spend", "query", "agent_spending", "queries/<query>.sql"),
    ("measures", "key", "agent_spend", "column", "spend", "agent_spend_by_month.sql returns"),
    ("measures", "key", "tasks_on_time", "page", "tasks", "pages/<page>.py"),
    ("measures", "key", "tasks_on_time", "by_force", "yes", "Y or N"),
    ("measures", "key", "vcl_letters_on_time", "by_flag", "yes", "Y or N"),
    ("measures", "key", "hate_crime_conviction_rate", "by_flag", "Y",
     "N for a measure with a fixed crime_type"),
    ("measures", "key", "hate_crime_conviction_rate", "crime_type", "Hate", "Hate crime"),
    ("measures", "key", "agent_session_share", "base_columns", "sessions;cases", "columns of"),
    ("measures", "key", "cost_per_agent_session", "definition", "", "a definition"),
    ("measures", "key", "conviction_rate", "key", "Conviction rate", "lower-case letters"),
    ("events", "label", "Operational Delivery Plan launched", "measures",
     "agent_spend;agent_spend_monthly", "not a key: agent_spend_monthly"),
    ("events", "label", "Operational Delivery Plan launched", "date", "2017-09-31", "a real date"),
    ("events", "label", "Operational Delivery Plan launched", "process_change", "yes", "Y or N"),
    ("offence_categories", "offence_category", "Burglary", "cps_order", "4.0", "a whole number"),
    # 13 is administratively finalised cases' place: Homicide there was summed as admin finalised
    ("offence_categories", "offence_category", "Homicide", "cps_order", "13",
     "a whole number from 1 to 12"),
    ("offence_categories", "offence_category", "Homicide", "cps_order", "0",
     "a whole number from 1 to 12"),
    ("court_centres", "court_centre", "Warwick Crown Court", "force_area", "Warwick",
     "a police force area in reference/force_areas.csv"),
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD, ids=[f"{b[0]}.{b[3]}={b[4]!r}" for b in BAD])
def test_a_bad_reference_value_is_a_problem_and_the_rest_loads(base, bad, capsys):
    name, key_col, key, col, value, reason = bad
    n_rows = len((base / "reference" / f"{name}.csv").read_text().splitlines()) - 1
    line = edit(base, name, key_col, key, col, value)
    wh = loaded(base)
    problems = wh.problems()
    if name == "offence_categories":  # every case outcomes line's row of it is refused too
        outcomes = problems[problems.extract == "case_outcomes"]
        assert set(outcomes.column) == {f"Number of {key} Convictions"}
        assert len(outcomes) == 2 * 43  # two files of 42 police force areas and National
        problems = problems[problems.extract != "case_outcomes"]
    assert len(problems) == 1, problems.to_string()
    p = problems.iloc[0]
    assert (p.severity, p.extract, p.file, p.line, p.column) == (
        "error",
        "reference",
        f"reference/{name}.csv",
        line,
        col,
    )
    assert p.value == value and reason in p.expected
    # every other row of the file loads; the bad one does not
    assert wh.sql(f"SELECT count(*) AS n FROM ref_{name}").n.iloc[0] == n_rows - 1
    if name == "measures" and col != "key":
        assert key not in set(wh.sql("SELECT key FROM ref_measures").key)
    capsys.readouterr()
    assert print_check(wh, base, 0.0) == 1  # `check`'s report of this same load
    out = capsys.readouterr().out
    assert f"ERROR   reference/{name}.csv, line {line}, column {col}: " in out
    wh.close()


def test_a_missing_or_broken_reference_file_is_named(base, capsys):
    (base / "reference" / "events.csv").unlink()
    path = base / "reference" / "measures.csv"
    text = path.read_text().splitlines()
    text[3] = text[3].replace("Domestic abuse conviction rate", '"Domestic\nabuse conviction rate"')
    path.write_text("\n".join(text) + "\n")
    wh = loaded(base)
    got = {
        (p.file, None if pd.isna(p.line) else p.line, None if pd.isna(p.column) else p.column)
        for p in wh.problems().itertuples()
    }
    assert got == {
        ("reference/events.csv", None, None),
        ("reference/measures.csv", 4, "label"),
    }
    # the measures after the broken record keep their lines and load
    assert list(wh.sql("SELECT key FROM ref_measures ORDER BY position").key) == [
        k for k in REGISTRY_KEYS if k != "domestic_abuse_conviction_rate"
    ]
    assert wh.sql("SELECT count(*) AS n FROM ref_events").n.iloc[0] == 0
    wh.close()


def test_fixing_the_registry_does_not_restage_the_extracts(base, tmp_path):
    wh = Warehouse(base, db_path=tmp_path / "wh.duckdb")
    wh.sync()
    edit(base, "measures", "key", "conviction_rate", "target", "85%")
    assert wh.sync().changed_extracts == []
    assert list(wh.problems().value) == ["85%"]
    edit(base, "measures", "key", "conviction_rate", "target", "84")
    assert wh.sync().changed_extracts == []
    assert wh.problems().empty
    assert wh.run_query("measures").set_index("key").target["conviction_rate"] == 84.0
    wh.close()


def test_a_reference_key_given_twice_is_a_problem_on_the_second_line(base):
    with (base / "reference" / "force_areas.csv").open("a") as fh:
        fh.write("Kent,South West\n")  # Kent is on line 20 already
    with (base / "reference" / "offence_categories.csv").open("a") as fh:
        fh.write("Arson,12,Arson\n")  # cps_order 12 is Motoring Offences'
    wh = loaded(base)
    got = [(p.file, p.line, p.column, p.value, p.expected) for p in wh.problems().itertuples()]
    assert got == [
        ("reference/force_areas.csv", 44, "force_area", "Kent", "each police force area once"),
        ("reference/offence_categories.csv", 14, "cps_order", "12", "each cps_order once"),
    ]
    kent = wh.sql("SELECT cps_area FROM ref_force_areas WHERE force_area = 'Kent'")
    assert list(kent.cps_area) == ["South East"]  # the first line's
    assert wh.sql("SELECT count(*) AS n FROM ref_offence_categories").n.iloc[0] == 12
    wh.close()


REFUSED_REFERENCE = [
    # (reference list, key column, key, column, bad value, extract file and its lines, the
    # line rejected, the keys that load)
    ("court_centres", "court_centre", "Coventry Magistrates' Court", "court_type",
     "Magistrates court", "agent_spend/agent_spend_2017_11.csv", [SPEND_HEADER, P4, SPEND_P5], 2,
     "court_centre", ("SELECT payment_id AS k FROM stg_agent_spend", {"P1", "P2", "P3", "P5"})),
    ("offence_categories", "offence_category", "Robbery", "cps_order", "seven",
     "tasks/tasks_2017_11.csv", [TASKS_HEADER, T4, "T5,RASSO,Case review,Robbery,2017-11-02,"
     "2017-11-09,"], 3, "offence_category", ("SELECT task_id AS k FROM stg_tasks",
     {"T1", "T2", "T4"})),  # T3 (tasks_2017_10.csv) is a robbery too
]  # fmt: skip


@pytest.mark.parametrize("case", REFUSED_REFERENCE, ids=[c[0] for c in REFUSED_REFERENCE])
def test_a_row_of_a_refused_reference_line_points_to_that_line(base, case):
    """A row whose court centre (or offence category) is in its reference list, on a line that
    was refused, is rejected saying so and naming that line, not as a value missing from the
    list; rows loaded + rows rejected = rows read."""
    name, key_col, key, col, bad, rel, lines, at, column, (sql, loads) = case
    ref_line = edit(base, name, key_col, key, col, bad)
    write(base, rel, lines)
    wh = loaded(base)
    problems = wh.problems()
    ref = problems[problems.file == f"reference/{name}.csv"]
    assert list(zip(ref.line, ref.column, ref.value, strict=True)) == [(ref_line, col, bad)]
    extract = rel.split("/")[0]
    rows = problems[problems.extract == extract]
    assert (rel, at) in set(zip(rows.file, rows.line))
    assert set(zip(rows.column, rows.value, rows.expected)) == {
        (
            column,
            key,
            f"its line in data/reference/{name}.csv (line {ref_line}) to load: that line was "
            "refused (its problem is listed under that file); fix it and this row loads",
        )
    }
    assert {r.k for r in wh.sql(sql).itertuples()} == loads
    read = wh.sql("SELECT sum(rows_read)::BIGINT AS n FROM load_files WHERE extract = ?", [extract])
    s = wh.summary().set_index("extract").loc[extract]
    assert s.rows_loaded == len(loads) and s.rows_loaded + s.rows_rejected == read.n.iloc[0] == 5
    wh.close()


def test_the_refused_lines_of_the_registry_are_listed_with_why(base):
    """`measures_refused`: each problem of a refused registry line whose key no loaded line
    holds, with that key; a repeated key whose first line loaded is not among them."""
    line_cr = edit(base, "measures", "key", "conviction_rate", "target", "85%")
    line_ot = edit(base, "measures", "key", "overdue_tasks", "better", "down")
    with (base / "reference" / "measures.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "agent_spend,Agent spend again,£,lower,agent_spend_by_month,total_gbp,,N,N,Y,Y,Y,,,"
            "agent_spend,,,A second line for agent_spend\n"
        )
    wh = loaded(base)
    got = [tuple(r) for r in wh.run_query("measures_refused").itertuples(index=False)]
    assert (line_cr, line_ot) == (2, 9)  # the lines of the registry file, counted by hand
    assert got == [
        ("conviction_rate", 2, "target", "85%",
         "a plain number such as 85.0 (no %, £ or commas), or empty"),
        ("overdue_tasks", 9, "better", "down", "which way is better: one of: higher; lower; neither"),
    ]  # fmt: skip
    assert "agent_spend" in set(wh.run_query("measures").key)
    wh.close()


def test_a_refused_measure_line_is_a_plain_message_on_its_page(tmp_path, run_page):
    """Issue 7's own example: a target of '85%' refuses the tasks_on_time line; the Task
    completion page then says so plainly instead of failing."""
    import shutil

    from tests.apptest_support import DATA

    data = tmp_path / "data"
    shutil.copytree(DATA / "reference", data / "reference")
    shutil.copytree(DATA / "tasks", data / "tasks")
    path = data / "reference" / "measures.csv"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("tasks_on_time,"))
    at_line = text.splitlines().index(line) + 1
    path.write_text(text.replace(line, line.replace(",85.0,5.0,", ",85%,5.0,")), encoding="utf-8")
    with run_page(data, tmp_path, "pages/task_completion.py") as at:
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value for e in at.error]
    # and why: the words the Overview uses too
    assert errors == [
        "The measure 'tasks_on_time' could not be loaded: its line in data/reference/measures.csv "
        f"was refused (line {at_line}, column {literal('target')}: expected "
        f"{literal('a plain number such as 85.0 (no %, £ or commas), or empty')}). The Data "
        "quality page lists every problem with its line."
    ], errors


def test_a_registry_without_a_usable_line_is_said_on_every_page(tmp_path, run_page):
    """A measures.csv from before the by_flag column (its header lacks it, so no line loads) left
    every page blank, without a word. Each page now says why, with the file, line and column."""
    import shutil

    from tests.apptest_support import DATA

    data = tmp_path / "data"
    shutil.copytree(DATA / "reference", data / "reference")
    path = data / "reference" / "measures.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    drop = rows[0].index("by_flag")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    for page in (None, "pages/victims.py"):
        with run_page(data, tmp_path, page) as at:
            assert not at.exception, [e.value for e in at.exception]
            errors = [e.value for e in at.error]
        assert any(
            "No measures to show: `data/reference/measures.csv` loaded no line (line 1, column "
            "` by_flag `: expected ` a column named 'by_flag' in the header `)" in e
            for e in errors
        ), errors


def test_a_refused_offence_category_line_leaves_no_case_outcomes_total_looking_whole(base):
    """Burglary's line of offence_categories.csv refused (cps_order "four"): every case outcomes
    line's Burglary figures are rejected, each naming that line, and All crime is not a whole
    total of the 11 other categories; it names Burglary as missing for every force."""
    ref_line = edit(base, "offence_categories", "offence_category", "Burglary", "cps_order", "four")
    wh = loaded(base)
    expected_lines = set()
    for rel in (CO_JAN, CO_MAR):
        rows = list(csv.reader(io.StringIO((base / rel).read_text(encoding="utf-8"))))
        expected_lines |= {(rel, i + 1) for i, r in enumerate(rows) if i > 0 and any(r)}
    assert len(expected_lines) == 2 * 43  # 42 police force areas and National, once a file
    problems = wh.problems()
    rows = problems[problems.extract == "case_outcomes"]
    burglary = rows[rows.column == "Number of Burglary Convictions"]
    assert set(zip(burglary.file, burglary.line)) == expected_lines
    assert set(burglary.expected) == {
        f"its line in data/reference/offence_categories.csv (line {ref_line}) to load: that line "
        "was refused (its problem is listed under that file); fix it and this row loads"
    }
    staged = wh.sql("SELECT offence_category, count(*) AS n FROM stg_case_outcomes GROUP BY 1")
    assert "Burglary" not in set(staged.offence_category)
    assert set(staged.n) == {len(expected_lines)}  # each of 11 categories + admin, once a line
    month = wh.run_query("conviction_rate_by_month", area="CPS West Midlands", start="2016-01",
                         end="2016-01")  # fmt: skip
    assert month.forces_expected.tolist() == [4] and month.forces_included.tolist() == [0]
    assert month.missing.tolist() == [
        "Staffordshire (Burglary); Warwickshire (Burglary); West Mercia (Burglary); "
        "West Midlands (Burglary)"
    ]
    # By category: all 12, Burglary with no rate and every force named as missing.
    cats = wh.run_query("conviction_rate_by_category", area="CPS West Midlands", start="2016-01",
                        end="2016-01").set_index("offence_category")  # fmt: skip
    assert len(cats) == 12 and pd.isna(cats.loc["Burglary", "conviction_rate"])
    # none of its rows loaded: its counts are unknown, not 0
    assert cats.loc["Burglary", ["convictions", "unsuccessful", "cases"]].isna().all()
    assert cats.loc["Burglary", "missing"] == (
        "Staffordshire in Jan 2016; Warwickshire in Jan 2016; West Mercia in Jan 2016; "
        "West Midlands in Jan 2016"
    )
    assert cats["missing"].drop("Burglary").isna().all()
    wh.close()


def test_the_reference_lists_are_checked_while_the_files_are_read_with_the_same_results(
    base, monkeypatch
):
    """On a sync that reads the reference lists, they are read and checked while the extracts'
    files are read (on a cursor of their own), and the sync finds what it finds one after the
    other: a court centre refused in the list, and a spend line naming it refused for that."""
    import threading

    from cjsperf import db

    edit(base, "court_centres", "court_centre", "Warwick Crown Court", "force_area", "Warwick")
    write(base, "agent_spend/agent_spend_2017_11.csv", [SPEND_HEADER, P4, SPEND_P5])
    reading = threading.Event()
    real_refs, real_file = Warehouse._load_references, Warehouse._ingest_file
    overlapped = []

    def refs(self):
        # a file is being read meanwhile (one after the other, none would be yet: no wait)
        overlapped.append(reading.wait(20 if db.READERS > 1 else 0))
        return real_refs(self)

    def one_file(self, *args, **kwargs):
        reading.set()
        return real_file(self, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "_load_references", refs)
    monkeypatch.setattr(Warehouse, "_ingest_file", one_file)
    got = {}
    for stagers in (1, 2):
        monkeypatch.setattr(db, "READERS", stagers)
        reading.clear()
        wh = loaded(base)
        problems = wh.problems()[["extract", "file", "line", "column"]].values.tolist()
        vocab = wh.sql("SELECT kind, value FROM vocab ORDER BY ALL").values.tolist()
        spend = wh.sql("SELECT payment_id FROM stg_agent_spend ORDER BY 1").payment_id.tolist()
        got[stagers] = (problems, vocab, spend)
        wh.close()
    assert overlapped == [False, True]
    assert got[1] == got[2]
    problems, vocab, spend = got[2]
    assert ["reference", "reference/court_centres.csv"] in [p[:2] for p in problems]
    assert ["agent_spend", "agent_spend/agent_spend_2017_11.csv", 3, "court_centre"] in problems
    assert ["court_centre", "Warwick Crown Court"] not in vocab
    assert "P5" not in spend and "P4" in spend
