"""A measure's trend with statistical process control (cjsperf.trends), and the Overview tiles
built from it, on hand-made monthly series whose means, limits and signals are worked out by hand
in the comments. No Streamlit, no database."""

from __future__ import annotations

import pandas as pd
import pytest

from cjsperf import trends
from cjsperf.events import Event
from cjsperf.filters import Filters
from tests.test_measures import REGISTRY, ROWS


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
            if "area" in df and "area" in params:
                df = df[df["area"] == params["area"]]
        return df.reset_index(drop=True)


def on_time_frame() -> pd.DataFrame:
    ms = months("2016-01", "2018-03")
    # value = 70 + index / 2 (70.0, 70.5, ...), due = 1,000 each month except Feb 2018 (missing)
    df = pd.DataFrame({"month": ms, "on_time_rate": [70 + i / 2 for i in range(len(ms))]})
    df["due"] = 1000
    return df[df["month"] != "2018-02"]


def flat_frame(values: list[float], first: str = "2016-04") -> pd.DataFrame:
    ms = months(first, "2099-12")[: len(values)]
    return pd.DataFrame({"month": ms, "on_time_rate": values, "due": 1000})


def test_trend_of_a_steady_rise_is_special_cause_and_fails_its_target():
    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    f = Filters(start="2017-06", end="2018-02")
    t = trends.trend_for(REGISTRY["tasks_on_time"], run, f)
    # 24 months to Feb 2018 (Mar 2016 to Feb 2018), the period being shorter; Feb 2018 missing.
    assert (t.first, t.last, t.extended) == ("2016-03", "2018-02", True)
    assert len(t.result.points) == 23 and t.month == "2018-01" and t.value == 82.0
    # Points 71.0, 71.5, ..., 82.0: mean 76.5; every moving range 0.5, so limits
    # 76.5 ± 2.66 × 0.5 = 75.17 to 77.83; Jan 2018 (82.0) is above the upper limit.
    last = t.latest
    assert last["mean"] == pytest.approx(76.5)
    assert (last["lower"], last["upper"]) == (pytest.approx(75.17), pytest.approx(77.83))
    assert last["signal"] == "outside limits" and t.variation == "special cause improvement"
    # Higher is better and the 85.0% target is above the upper limit: it consistently fails.
    assert t.assurance == "consistently fails"
    assert trends.variation_words(t) == "Special cause improvement"
    assert trends.assurance_words(t) == "Consistently fails the target"
    assert t.headline == (
        "Tasks completed on time 82.0%: special cause improvement, above the upper limit (77.8%)"
    )
    # The table carries the query's rows with the mean, the limits and the rule of each point.
    assert list(t.table().columns[-5:]) == list(trends.SPC_COLUMNS.values())
    # tasks have no police force: the query is asked for the months shown, all crime
    (name, params), *_ = run.calls
    assert name == "tasks_on_time_by_month"
    assert params == {"start": "2016-03", "end": "2018-02", "crime_type": "All crime"}


def test_common_cause_headline_never_says_rose_or_fell():
    # 12 points alternating 80 and 82: mean 81, moving ranges 2, limits 81 ± 5.32.
    run = FakeRun({"tasks_on_time_by_month": flat_frame([80.0, 82.0] * 6)})
    t = trends.trend_for(REGISTRY["tasks_on_time"], run, Filters(start="2016-04", end="2017-03"))
    assert t.variation == "common cause"
    assert t.headline == (
        "Tasks completed on time 82.0%: within its usual range (75.7%–86.3%), no significant change"
    )
    # The 85.0% target lies between the limits (75.68, 86.32): hit and miss.
    assert t.assurance == "hit and miss"


def test_too_few_points_say_so():
    run = FakeRun({"tasks_on_time_by_month": flat_frame([80.0] * 11)})
    t = trends.trend_for(REGISTRY["tasks_on_time"], run, Filters(start="2016-04", end="2017-02"))
    assert t.headline.endswith("too few points for control limits")
    assert trends.variation_words(t) == "Too few points for control limits"


def test_a_process_change_waits_for_12_points_then_rebases():
    ev = Event("2017-09-25", "ODP", True, ("tasks_on_time",))
    # 18 points at 80/81 then 6 at 90: the change (Oct 2017) has only 6 points after it, so the
    # limits of the 18 before stay (mean 80.5, mR 1, limits 77.84 to 83.16) and Mar 2018 (90) is
    # a special cause, "since ODP".
    values = [80.0, 81.0] * 9 + [90.0] * 6
    run = FakeRun({"tasks_on_time_by_month": flat_frame(values)})
    t = trends.trend_for(
        REGISTRY["tasks_on_time"], run, Filters(start="2017-04", end="2018-03"), [ev]
    )
    assert t.latest["mean"] == pytest.approx(80.5)
    assert t.latest["upper"] == pytest.approx(83.16)
    assert t.variation == "special cause improvement"
    assert "since ODP" in t.headline
    assert t.events == (ev,)


def test_tiles_lead_with_concerns_and_show_the_comparison():
    conv = pd.DataFrame(
        {"month": months("2016-04", "2018-03") * 2,
         "area": ["CPS West Midlands"] * 24 + ["National"] * 24,
         "conviction_rate": [80.0, 82.0] * 11 + [80.0, 70.0] + [85.0] * 24,
         "convictions": 800, "unsuccessful": 200}
    )  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv, "tasks_on_time_by_month": on_time_frame()})
    f = Filters(start="2017-04", end="2018-03")
    tiles = trends.tiles(run, REGISTRY, f)
    # 22 points alternating 80 and 82, then 80 and 70: mean (22 × 81 + 150) ÷ 24 = 80.5; moving
    # ranges 22 × 2 and one 10, mean 54 ÷ 23 = 2.35, so the 10 (≥ 3.267 × 2.35 = 7.67) is screened
    # out and the mean moving range is 2: limits 80.5 ± 5.32. Mar 2018 at 70.0 is below the lower
    # limit (75.18): a concern, so it comes first.
    first = tiles[0]
    assert first.measure.key == "conviction_rate"
    assert first.trend.variation == "special cause concern"
    assert (first.comparison, first.comparison_value) == ("National", 85.0)
    assert (first.value, first.previous, first.year_ago) == (70.0, 80.0, 82.0)
    assert first.change_previous == "-10.0 points"
    # The fake gives the flags the same series: concerns too, in the registry's order; then the
    # improvement (tasks on time), then the rest with no data.
    assert [t.measure.key for t in tiles[:4]] == [
        "conviction_rate", "hate_crime_conviction_rate", "domestic_abuse_conviction_rate",
        "tasks_on_time",
    ]  # fmt: skip
    table = trends.table(tiles)
    assert len(table) == len(ROWS)  # one row per measure of the registry the test builds
    row = table.set_index("measure").loc["Conviction rate"]
    assert (row.variation, row.comparison_value) == ("Special cause concern", 85.0)
    assert row.lower_limit == pytest.approx(80.5 - 2.66 * 2)


def test_tile_notes_and_parameters_follow_the_filters():
    conv = pd.DataFrame(
        {"month": ["2018-02", "2018-03"], "conviction_rate": [80.0, 75.0], "convictions": [30, 3],
         "unsuccessful": [10, 1]}
    )  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv, "tasks_on_time_by_month": on_time_frame()})
    f = Filters(
        crime_type="Hate crime", geography="West Mercia", compare=(), start="2018-01", end="2018-03"
    )
    tiles = {t.measure.key: t for t in trends.tiles(run, REGISTRY, f)}
    calls = {(n, p.get("crime_type"), p.get("area")) for n, p in run.calls}
    # the first tile stays all crime when a flag is chosen (the flag has its own tile)
    assert ("conviction_rate_by_month", "All crime", "West Mercia") in calls
    assert ("conviction_rate_by_month", "Hate crime", "West Mercia") in calls
    assert ("tasks_on_time_by_month", "All crime", None) in calls  # no flag, no force on tasks
    assert ("agent_spend_by_month", None, "West Mercia") in calls  # no crime type on spend
    hate = tiles["hate_crime_conviction_rate"]
    assert hate.value == 75.0 and hate.synthetic
    # 3 + 1 = 4 cases in Mar 2018: too few, so no status
    assert any("Only 4 cases in Mar 2018" in n for n in hate.notes)
    assert trends.variation_words(hate.trend) == "No status: too few cases"
    assert any("hate crime has its own tile" in n for n in tiles["conviction_rate"].notes)
    assert any("no police force" in n for n in tiles["tasks_on_time"].notes)
    assert any("no hate crime" in n for n in tiles["agent_spend"].notes)


def test_a_flag_tile_says_it_is_not_narrowed_to_the_crime_type_chosen():
    """The hate crime and domestic abuse tiles show every offence category of their flag: under an
    offence category (or the other flag) they say so, as the all-crime tiles do."""
    conv = pd.DataFrame(
        {"month": ["2018-02", "2018-03"], "conviction_rate": [80.0, 75.0], "convictions": [30, 3],
         "unsuccessful": [10, 1]}
    )  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv})
    for chosen, want in (
        ("Burglary", "Hate crime of every offence category: not narrowed to burglary"),
        ("Domestic abuse", "Hate crime of every offence category: not narrowed to domestic abuse"),
    ):
        f = Filters(crime_type=chosen, compare=(), start="2018-01", end="2018-03")
        tiles = {t.measure.key: t for t in trends.tiles(run, REGISTRY, f)}
        assert want in tiles["hate_crime_conviction_rate"].notes
    f = Filters(crime_type="Hate crime", compare=(), start="2018-01", end="2018-03")
    tiles = {t.measure.key: t for t in trends.tiles(run, REGISTRY, f)}
    assert not [n for n in tiles["hate_crime_conviction_rate"].notes if "narrowed" in n]


def test_table_downloads_as_an_accessible_workbook():
    """gptables refuses a cell of symbols only (a bare '%' or '£'): units are in words."""
    from cjsperf import downloads

    run = FakeRun({"tasks_on_time_by_month": on_time_frame()})
    table = trends.table(trends.tiles(run, REGISTRY, Filters(start="2017-04", end="2018-03")))
    assert "%" not in set(table["unit"]) and "£" not in set(table["unit"])
    xlsx = downloads.excel_bytes(
        table, title="Overview", subtitle="s", source="src", filters={"Period": "x"}
    )
    assert xlsx[:2] == b"PK"


def test_a_period_with_no_figure_of_its_own_gives_no_status():
    """Apr–Jun 2017 were never published: a trend for that period must not take March 2017's
    value, variation or assurance as the period's."""
    ms = [m for m in months("2015-07", "2017-03")]
    conv = pd.DataFrame({"month": ms, "conviction_rate": [80.0, 82.0] * 10 + [81.0],
                         "convictions": 800, "unsuccessful": 200})  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv})
    t = trends.trend_for(REGISTRY["conviction_rate"], run, Filters(start="2017-04", end="2017-06"))
    assert t.latest is None and t.value is None and t.month is None
    assert t.variation == "" and t.assurance == ""
    assert t.headline == "Conviction rate: no figure in the period"
    assert trends.variation_words(t) == "No figure in the period"
    # the chart still shows the 24 months and their limits
    assert len(t.result.points) == 21 and t.result.has_limits


def test_a_rate_on_few_cases_gets_no_status_and_limits_stay_within_0_and_100():
    # 24 months alternating 60% and 100% of 10 cases: mean 80, moving ranges 40, so the limits
    # would be 80 ± 106.4; shown clipped to 0 and 100. Each month rests on 10 cases (< 50).
    ms = months("2016-04", "2018-03")
    conv = pd.DataFrame({"month": ms, "conviction_rate": [60.0, 100.0] * 12,
                         "convictions": [6, 10] * 12, "unsuccessful": [4, 0] * 12})  # fmt: skip
    run = FakeRun({"conviction_rate_by_month": conv})
    f = Filters(crime_type="Hate crime", start="2017-04", end="2018-03")
    t = trends.trend_for(REGISTRY["hate_crime_conviction_rate"], run, f)
    assert (t.latest["lower"], t.latest["upper"]) == (0.0, 100.0)
    assert t.small_base
    assert t.headline == "Hate crime conviction rate 100.0%: only 10 cases, too few for a status"
    assert trends.variation_words(t) == "No status: too few cases"
