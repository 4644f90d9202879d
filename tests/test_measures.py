"""The Overview's measure registry (cjsperf.measures): statuses against target, the latest month,
its changes, the trend and the notes, on hand-made monthly series. No Streamlit, no database."""

from __future__ import annotations

import pandas as pd
import pytest

from cjsperf import measures
from cjsperf.filters import Filters

BY_KEY = {m.key: m for m in measures.MEASURES}
# As in data/reference/targets.csv, written out here.
TARGETS = pd.DataFrame(
    [
        ("conviction_rate", 85.0, 2.0, "higher", "%"),
        ("hate_crime_conviction_rate", 83.4, 2.0, "higher", "%"),
        ("domestic_abuse_conviction_rate", 76.0, 2.0, "higher", "%"),
        ("agent_spend", 300000, 30000, "lower", "£"),
        ("agent_session_share", 15.0, 3.0, "lower", "%"),
        ("cost_per_agent_session", 160, 10, "lower", "£"),
        ("tasks_on_time", 85.0, 5.0, "higher", "%"),
        ("overdue_tasks", 3000, 750, "lower", "tasks"),
    ],
    columns=["measure", "target", "amber_margin", "direction", "unit"],
)
T = TARGETS.set_index("measure").to_dict("index")
AREA = Filters(start="2017-04", end="2018-03")


def test_registry_has_the_eight_measures_each_with_a_target_and_a_page():
    assert len(measures.MEASURES) == 8
    assert {m.key for m in measures.MEASURES} == set(TARGETS["measure"])
    pages = {m.page for m in measures.MEASURES}
    assert pages == {
        "pages/conviction_rates.py",
        "pages/agent_spend.py",
        "pages/court_sessions.py",
        "pages/task_completion.py",
    }
    # Only the all-crime conviction rate rests on real, published CPS data.
    assert [m.key for m in measures.MEASURES if not m.synthetic] == ["conviction_rate"]


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
    status, target = measures.status_for(BY_KEY[key], value, T, AREA, "All crime")
    assert status.word == word
    assert target == (T[key]["target"] if value is not None else None)
    assert status.explanation  # the word always comes with what it means


def test_status_words_carry_the_target():
    s, _ = measures.status_for(BY_KEY["tasks_on_time"], 86.1, T, AREA, "All crime")
    assert (s.word, s.explanation) == ("Green", "meets the target of at least 85.0%")
    s, _ = measures.status_for(BY_KEY["tasks_on_time"], 82.0, T, AREA, "All crime")
    # a margin on a rate is in percentage points, not per cent
    assert (s.word, s.explanation) == ("Amber", "within 5.0 points of the target of at least 85.0%")
    s, _ = measures.status_for(BY_KEY["overdue_tasks"], 3800, T, AREA, "All crime")
    assert (s.word, s.explanation) == ("Red", "misses the target of at most 3,000 tasks")


def test_which_target_applies():
    conv = BY_KEY["conviction_rate"]
    # A flag has its own target; an offence category has none (the target is for all crime).
    s, target = measures.status_for(conv, 84.0, T, AREA, "Hate crime")
    assert (s.word, target) == ("Green", 83.4)
    s, target = measures.status_for(conv, 99.0, T, AREA, "Burglary")
    assert (s.word, target) == ("No target", None)
    # An Area total (spend) has no target for one force; a rate (cost per session) keeps it.
    force = Filters(geography="Warwickshire", start="2017-04", end="2018-03")
    s, _ = measures.status_for(BY_KEY["agent_spend"], 36_000, T, force, "All crime")
    assert s.word == "No target" and "Warwickshire" in s.explanation
    s, _ = measures.status_for(BY_KEY["cost_per_agent_session"], 150, T, force, "All crime")
    assert s.word == "Green"
    # Overdue tasks for one offence category: the 3,000 target is for all tasks.
    s, _ = measures.status_for(BY_KEY["overdue_tasks"], 128, T, AREA, "Burglary")
    assert s.word == "No target"
    # A measure missing from targets.csv.
    s, _ = measures.status_for(BY_KEY["tasks_on_time"], 90.0, {}, AREA, "All crime")
    assert s.word == "No target"


def months(first: str, last: str) -> list[str]:
    out, m = [], first
    while m <= last:
        out.append(m)
        y, mo = int(m[:4]), int(m[5:])
        m = f"{y + mo // 12:04d}-{mo % 12 + 1:02d}"
    return out


class FakeRun:
    """Stands in for ui.query: one monthly frame per query name; records the parameters."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames, self.calls = frames, []

    def __call__(self, name, **params):
        self.calls.append((name, params))
        df = self.frames.get(name, pd.DataFrame())
        if len(df):
            df = df[(df["month"] >= params["start"]) & (df["month"] <= params["end"])]
        return df.reset_index(drop=True)


def on_time_frame() -> pd.DataFrame:
    ms = months("2016-01", "2018-03")
    # value = 70 + index / 2 (70.0, 70.5, ...), due = 1,000 each month except Feb 2018 (missing)
    df = pd.DataFrame({"month": ms, "on_time_rate": [70 + i / 2 for i in range(len(ms))]})
    df["due"] = 1000
    return df[df["month"] != "2018-02"]


def test_tile_latest_month_changes_and_trend():
    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    f = Filters(start="2017-06", end="2018-02")
    tile = measures.tile_for(BY_KEY["tasks_on_time"], run, T, f)
    # Feb 2018 has no figure, so the latest month in the period is Jan 2018 (index 24 → 82.0).
    assert (tile.month, tile.value) == ("2018-01", 82.0)
    assert (tile.previous_month, tile.previous) == ("2017-12", 81.5)
    assert (tile.year_ago_month, tile.year_ago) == ("2017-01", 76.0)
    assert tile.change_previous == "+0.5 points"
    assert tile.change_year == "+6.0 points"
    assert (tile.status.word, tile.target, tile.direction) == (
        "Amber",
        85.0,
        "higher",
    )  # 82.0 >= 80
    # the trend: the 12 months to the period end, Mar 2017 to Feb 2018, without the gap
    assert tile.trend["month"].tolist() == [
        m for m in months("2017-03", "2018-02") if m != "2018-02"
    ]
    assert tile.trend["value"].iloc[0] == 77.0  # Mar 2017, index 14
    assert measures.describe_latest(tile) == "Jan 2018; +6.0 points on Jan 2017"
    # tasks have no police force and (All crime) the query counts every task
    (name, params), *_ = run.calls
    assert name == "tasks_on_time_by_month"
    assert params == {"start": "2016-06", "end": "2018-02", "crime_type": "All crime"}
    assert tile.synthetic and tile.notes == ()


def test_tile_with_no_figure_in_the_period():
    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    tile = measures.tile_for(
        BY_KEY["tasks_on_time"], run, T, Filters(start="2018-02", end="2018-02")
    )
    assert tile.month is None and tile.value is None
    assert tile.status.word == "No data"
    assert measures.describe_latest(tile) == "No figure in the period"


def test_tile_notes_and_parameters_follow_the_filters():
    conv = pd.DataFrame(
        {"month": ["2018-02", "2018-03"], "conviction_rate": [80.0, 75.0], "convictions": [30, 3],
         "unsuccessful": [10, 1]}
    )  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv, "tasks_on_time_by_month": on_time_frame()})
    f = Filters(crime_type="Hate crime", geography="West Mercia", start="2018-01", end="2018-03")
    tiles = {t.measure.key: t for t in measures.tiles(run, TARGETS, f)}
    assert len(tiles) == 8
    calls = {(n, p.get("crime_type"), p.get("area")) for n, p in run.calls}
    # the first tile stays all crime when a flag is chosen (the flag has its own tile)
    assert ("conviction_rate_by_month", "All crime", "West Mercia") in calls
    assert ("conviction_rate_by_month", "Hate crime", "West Mercia") in calls
    assert ("conviction_rate_by_month", "Domestic abuse", "West Mercia") in calls
    assert ("tasks_on_time_by_month", "All crime", None) in calls  # no flag, no force on tasks
    assert ("agent_spend_by_month", None, "West Mercia") in calls  # no crime type on spend
    hate = tiles["hate_crime_conviction_rate"]
    assert hate.value == 75.0 and hate.synthetic
    # 3 + 1 = 4 cases in Mar 2018: too few to compare
    assert any("Only 4 cases in Mar 2018" in n for n in hate.notes)
    assert any("hate crime has its own tile" in n for n in tiles["conviction_rate"].notes)
    assert any("no police force" in n for n in tiles["tasks_on_time"].notes)
    assert any("no hate crime" in n for n in tiles["agent_spend"].notes)
    # an offence category narrows the tasks and the conviction rate, and names them
    f2 = Filters(crime_type="Burglary", start="2018-01", end="2018-03")
    tiles2 = {t.measure.key: t for t in measures.tiles(run, TARGETS, f2)}
    assert tiles2["conviction_rate"].label == "Burglary conviction rate"
    assert tiles2["conviction_rate"].status.word == "No target"
    assert not tiles2["conviction_rate"].synthetic
    assert tiles2["tasks_on_time"].label == "Tasks completed on time: Burglary"


def test_table_has_one_row_per_tile_with_words():
    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    table = measures.table(measures.tiles(run, TARGETS, Filters(start="2017-04", end="2018-03")))
    assert len(table) == 8
    for col in ("measure", "latest_month", "value", "previous_value", "change_on_previous_month",
                "year_ago_value", "change_on_year_ago", "target", "status"):  # fmt: skip
        assert col in table
    row = table.set_index("measure").loc["Tasks completed on time"]
    # Mar 2018 is index 26 → 83.0; Feb 2018 missing; Mar 2017 index 14 → 77.0
    assert (row.latest_month, row.value, row.status) == ("2018-03", 83.0, "Amber")
    assert row.change_on_previous_month == "" and row.change_on_year_ago == "+6.0 points"
    others = table[table["measure"] != "Tasks completed on time"]
    assert set(others["status"]) == {"No data"}  # the fake has no other data


def test_table_downloads_as_an_accessible_workbook():
    """gptables refuses a cell of symbols only (a bare '%' or '£'): units are in words."""
    from cjsperf import downloads

    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    table = measures.table(measures.tiles(run, TARGETS, AREA))
    assert "%" not in set(table["unit"]) and "£" not in set(table["unit"])
    xlsx = downloads.excel_bytes(
        table, title="Overview", subtitle="s", source="src", filters={"Period": "x"}
    )
    assert xlsx[:2] == b"PK"
