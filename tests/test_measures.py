"""The measure registry (cjsperf.measures): one definition per measure, its statuses against
target, and the Overview tiles (latest month, changes, trend, notes) on hand-made monthly series.
No Streamlit; the registry rows are written out here, not read from data/."""

from __future__ import annotations

import pandas as pd
import pytest

from cjsperf import measures
from cjsperf.filters import Filters

COLUMNS = ["key", "label", "unit", "better", "query", "column", "crime_type", "by_crime_type",
           "by_flag", "by_force", "area_total", "synthetic", "base_columns", "base_noun", "page",
           "target", "tolerance", "definition", "position"]  # fmt: skip
# As data/reference/measures.csv says, written out here (the rows of queries/measures.sql).
ROWS = [
    ("conviction_rate", "Conviction rate", "%", "higher", "conviction_rate_by_month",
     "headline_rate;conviction_rate", None, True, False, True, False, False,
     ["convictions", "unsuccessful", "admin_finalised"], "cases", "pages/conviction_rates.py",
     85.0, 2.0),
    ("hate_crime_conviction_rate", "Hate crime conviction rate", "%", "higher",
     "conviction_rate_by_month", "conviction_rate", "Hate crime", False, False, True, False, True,
     ["convictions", "unsuccessful"], "cases", "pages/conviction_rates.py", 83.4, 2.0),
    ("domestic_abuse_conviction_rate", "Domestic abuse conviction rate", "%", "higher",
     "conviction_rate_by_month", "conviction_rate", "Domestic abuse", False, False, True, False,
     True, ["convictions", "unsuccessful"], "cases", "pages/conviction_rates.py", 76.0, 2.0),
    ("agent_spend", "Agent and counsel spend", "£", "lower", "agent_spend_by_month",
     "total_spend", None, False, False, True, True, True, [], "", "pages/agent_spend.py", 300000,
     30000),
    ("agent_session_share", "Agent share of magistrates' sessions", "%", "lower",
     "agent_share_by_month", "agent_share", None, False, False, True, False, True, ["sessions"],
     "sessions", "pages/court_sessions.py", 15.0, 3.0),
    ("cost_per_agent_session", "Cost per agent session", "£", "lower", "agent_spend_by_month",
     "cost_per_agent_session", None, False, False, True, False, True, ["agent_sessions"],
     "agent sessions", "pages/agent_spend.py", 160, 10),
    ("tasks_on_time", "Tasks completed on time", "%", "higher", "tasks_on_time_by_month",
     "on_time_rate", None, True, False, False, False, True, ["due"], "tasks due",
     "pages/task_completion.py", 85.0, 5.0),
    ("overdue_tasks", "Overdue open tasks at month end", "tasks", "lower",
     "tasks_backlog_by_month", "overdue", None, True, False, False, True, True, [], "",
     "pages/task_completion.py", 3000, 750),
    # letters carry the hate crime and domestic abuse flags (by_flag)
    ("vcl_letters_on_time", "VCL letters sent on time", "%", "higher",
     "vcl_letters_on_time_by_month", "on_time_rate", None, True, True, True, False, True, ["due"],
     "letters due", "pages/victims.py", 80.0, 5.0),
]  # fmt: skip
REGISTRY = measures.registry(
    pd.DataFrame(
        [(*r, "definition of " + r[0], i + 1) for i, r in enumerate(ROWS)], columns=COLUMNS
    )
)
BY_KEY = REGISTRY
AREA = Filters(start="2017-04", end="2018-03")


def test_registry_keeps_order_types_and_pages():
    assert list(REGISTRY) == [r[0] for r in ROWS]
    conv = REGISTRY["conviction_rate"]
    assert conv.base_columns == ("convictions", "unsuccessful", "admin_finalised")
    assert (conv.target, conv.tolerance, conv.better, conv.crime_type) == (
        85.0,
        2.0,
        "higher",
        None,
    )
    assert REGISTRY["hate_crime_conviction_rate"].crime_type == "Hate crime"
    assert REGISTRY["agent_spend"].base_columns == ()
    assert [m.key for m in REGISTRY.values() if not m.synthetic] == ["conviction_rate"]


def test_the_shipped_registry_loads_whole(tmp_path):
    """data/reference/measures.csv and events.csv load through the warehouse with no problem."""
    import shutil

    from cjsperf.db import Warehouse
    from cjsperf.events import events_from, process_changes
    from tests.apptest_support import DATA

    shutil.copytree(DATA / "reference", tmp_path / "reference")
    wh = Warehouse(tmp_path, db_path=None)
    wh.sync()
    reg = measures.registry(wh.run_query("measures"))
    assert list(reg) == [r[0] for r in ROWS[:8]] + [
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
    assert (reg["vcl_letters_on_time"].target, reg["vcl_letter_quality"].target) == (80.0, 60.0)
    # the flags narrow letters and trials (their data carry them), nothing else
    assert [k for k, m in reg.items() if m.by_flag] == [
        "vcl_letters_on_time",
        "vcl_letter_quality",
        "effective_trial_rate",
        "prosecution_attributed_trials",
        "witness_attendance",
    ]
    for key, *_, target, tolerance in ROWS:
        assert (reg[key].target, reg[key].tolerance) == (target, tolerance)
    evs = events_from(wh.run_query("events"))
    odp = next(e for e in evs if e.label == "Operational Delivery Plan launched")
    assert (odp.date, odp.process_change, odp.first_whole_month) == ("2017-09-25", True, "2017-10")
    # the ODP changes the process of agent use and task work, not of conviction rates
    assert process_changes(evs, "tasks_on_time") == ["2017-10"]
    assert process_changes(evs, "conviction_rate") == []
    # the ODP was the improvement plan's change for case reviews, disclosure and victim letters
    # too (HMCPSI issues 5, 6 and 8), and for trials; not for training, whose courses it set
    for key in ("tsj_reviews_on_time", "disclosure_fully_met", "vcl_letters_on_time",
                "vcl_letter_quality", "effective_trial_rate"):  # fmt: skip
        assert process_changes(evs, key) == ["2017-10"], key
    assert process_changes(evs, "training_on_time") == []
    wh.close()


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [
        # tasks on time: at least 85.0%, Amber within 5 points
        ("tasks_on_time", 85.0, "Green"),
        ("tasks_on_time", 91.2, "Green"),
        ("tasks_on_time", 84.9, "Amber"),
        ("tasks_on_time", 80.0, "Amber"),
        ("tasks_on_time", 79.9, "Red"),
        # overdue tasks: at most 3,000, Amber within 750
        ("overdue_tasks", 2918, "Green"),
        ("overdue_tasks", 3000, "Green"),
        ("overdue_tasks", 3001, "Amber"),
        ("overdue_tasks", 3750, "Amber"),
        ("overdue_tasks", 3751, "Red"),
        # agent share: at most 15.0%, Amber within 3 points
        ("agent_session_share", 12.7, "Green"),
        ("agent_session_share", 18.0, "Amber"),
        ("agent_session_share", 18.1, "Red"),
        # conviction rate, all crime: at least 85.0%, Amber within 2 points
        ("conviction_rate", 86.4, "Green"),
        ("conviction_rate", 83.0, "Amber"),
        ("conviction_rate", 82.9, "Red"),
        ("cost_per_agent_session", 171, "Red"),
        ("cost_per_agent_session", None, "No data"),
    ],
)
def test_status_against_target(key, value, word):
    status = BY_KEY[key].status_for(value, AREA, "All crime")
    assert status.word == word
    assert status.explanation  # the word always comes with what it means


def test_status_words_carry_the_target():
    s = BY_KEY["tasks_on_time"].status_for(86.1, AREA, "All crime")
    assert (s.word, s.explanation) == ("Green", "meets the target of at least 85.0%")
    s = BY_KEY["tasks_on_time"].status_for(82.0, AREA, "All crime")
    # a margin on a rate is in percentage points, not per cent
    assert (s.word, s.explanation) == ("Amber", "within 5.0 points of the target of at least 85.0%")
    s = BY_KEY["overdue_tasks"].status_for(3800, AREA, "All crime")
    assert (s.word, s.explanation) == ("Red", "misses the target of at most 3,000 tasks")
    assert BY_KEY["overdue_tasks"].text == "Target: at most 3,000 tasks"


def test_which_target_applies():
    # A flag has its own measure and target; an offence category has none (the target is for
    # all crime).
    s = BY_KEY["hate_crime_conviction_rate"].status_for(84.0, AREA, "Hate crime")
    assert s.word == "Green"
    s = BY_KEY["conviction_rate"].status_for(99.0, AREA, "Burglary")
    assert s.word == "No target" and "all crime" in s.explanation
    # An Area total (spend) has no target for one force; a rate (cost per session) keeps it.
    force = Filters(geography="Warwickshire", start="2017-04", end="2018-03")
    s = BY_KEY["agent_spend"].status_for(36_000, force, "All crime")
    assert s.word == "No target" and "Warwickshire" in s.explanation
    assert BY_KEY["cost_per_agent_session"].status_for(150, force, "All crime").word == "Green"
    # Overdue tasks for one offence category: the 3,000 target is for all tasks.
    assert BY_KEY["overdue_tasks"].status_for(128, AREA, "Burglary").word == "No target"


@pytest.mark.parametrize(
    ("key", "latest", "before", "judged", "delta"),
    [
        ("conviction_rate", 86.4, 85.0, "better", "normal"),  # higher is better: a rise is green
        ("conviction_rate", 84.0, 85.0, "worse", "normal"),
        ("agent_spend", 250_000, 300_000, "better", "inverse"),  # lower is better: a fall is green
        ("overdue_tasks", 3100, 3000, "worse", "inverse"),
        ("overdue_tasks", 3000, 3000, "same", "inverse"),
        ("tasks_on_time", None, 80.0, "", "normal"),
    ],
)
def test_a_change_is_judged_by_the_measures_better_direction(key, latest, before, judged, delta):
    m = BY_KEY[key]
    assert m.judge(latest, before) == judged
    assert m.delta_color == delta


@pytest.mark.parametrize(
    ("key", "crime_type", "runs_for", "label"),
    [
        # letters carry the flags: a flag narrows them, as an offence category does
        ("vcl_letters_on_time", "Hate crime", "Hate crime", "VCL letters sent on time: Hate crime"),
        ("vcl_letters_on_time", "Domestic abuse", "Domestic abuse",
         "VCL letters sent on time: Domestic abuse"),
        ("vcl_letters_on_time", "Burglary", "Burglary", "VCL letters sent on time: Burglary"),
        # tasks carry no flag: all crime
        ("tasks_on_time", "Hate crime", "All crime", "Tasks completed on time"),
        ("tasks_on_time", "Burglary", "Burglary", "Tasks completed on time: Burglary"),
        # the conviction rate of a flag is a measure of its own
        ("conviction_rate", "Domestic abuse", "All crime", "Conviction rate"),
        ("hate_crime_conviction_rate", "Domestic abuse", "Hate crime",
         "Hate crime conviction rate"),
        # spend has no crime type at all
        ("agent_spend", "Hate crime", "All crime", "Agent and counsel spend"),
    ],
)  # fmt: skip
def test_which_crime_type_a_measure_reads(key, crime_type, runs_for, label):
    m = BY_KEY[key]
    f = Filters(crime_type=crime_type, start="2017-04", end="2018-03")
    assert m.crime_type_for(f) == runs_for
    assert m.label_for(runs_for) == label
    assert m.params(f, "2016-04").get("crime_type", "All crime") == runs_for


def test_a_target_for_all_crime_applies_to_no_flag_or_category():
    m = BY_KEY["vcl_letters_on_time"]
    assert m.target_for(AREA, "All crime") == (80.0, "")
    for crime_type in ("Hate crime", "Burglary"):
        f = Filters(crime_type=crime_type, start="2017-04", end="2018-03")
        target, why = m.target_for(f, m.crime_type_for(f))
        assert (target, why) == (None, f"the target is for all crime, not {crime_type}")
        assert m.status_for(95.0, f, crime_type).word == "No target"
