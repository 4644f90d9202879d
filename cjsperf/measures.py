"""The measures on the Overview: a registry, and the tile figures computed for the chosen filters.

Each measure names the query and column that give its monthly series, its unit, its target in
`data/reference/targets.csv` and the page that explains it. `tiles()` turns the monthly series into
what a tile shows: the latest month's value in the period, the change on the month before and on
the same month a year before, the status against target and a 12-month trend. Pure: the caller
passes a function that runs a query (`ui.query` in the app, `Warehouse.run_query` in tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from cjsperf.extracts import ALL_CRIME, FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.filters import Filters, month_label, shift_month
from cjsperf.headlines import FEW_CASES, Status, change, fmt_value, rag_status

Run = Callable[..., pd.DataFrame]

CONVICTION = "conviction_rate"
CASES = ("convictions", "unsuccessful")
# Units in words for the downloaded table (a cell of symbols only is not accessible).
UNIT_WORDS = {"%": "per cent (changes in percentage points)", "£": "pounds"}
FLAG_TARGETS = {
    "Hate crime": "hate_crime_conviction_rate",
    "Domestic abuse": "domestic_abuse_conviction_rate",
}


@dataclass(frozen=True)
class Measure:
    key: str  # its row in ref_targets (data/reference/targets.csv)
    label: str
    query: str  # queries/<query>.sql, one row per month
    column: str
    unit: str  # '%', '£' or a count's noun
    page: str  # the page that explains it
    page_label: str
    crime_type: str | None = None  # a fixed crime type; None: the filter's (if the data has one)
    by_crime_type: bool = False  # the data has a crime type (offence categories or flags)
    by_force: bool = True  # the data has a police force area
    area_total: bool = False  # an amount or count: its target is for the whole Area
    synthetic: bool = True
    base: tuple[str, ...] = ()  # columns summed for the count a rate rests on
    base_noun: str = ""


MEASURES: tuple[Measure, ...] = (
    Measure(CONVICTION, "Conviction rate", "conviction_rate_by_month", "conviction_rate", "%",
            "pages/conviction_rates.py", "Conviction rates", by_crime_type=True, synthetic=False,
            base=CASES, base_noun="cases"),
    Measure("hate_crime_conviction_rate", "Hate crime conviction rate", "conviction_rate_by_month",
            "conviction_rate", "%", "pages/conviction_rates.py", "Conviction rates",
            crime_type="Hate crime", base=CASES, base_noun="cases"),
    Measure("domestic_abuse_conviction_rate", "Domestic abuse conviction rate",
            "conviction_rate_by_month", "conviction_rate", "%", "pages/conviction_rates.py",
            "Conviction rates", crime_type="Domestic abuse", base=CASES, base_noun="cases"),
    Measure("agent_spend", "Agent and counsel spend", "agent_spend_by_month", "total_spend", "£",
            "pages/agent_spend.py", "Agent spend", area_total=True),
    Measure("agent_session_share", "Agent share of magistrates' sessions", "agent_share_by_month",
            "agent_share", "%", "pages/court_sessions.py", "Court sessions", base=("sessions",),
            base_noun="sessions"),
    Measure("cost_per_agent_session", "Cost per agent session", "agent_spend_by_month",
            "cost_per_agent_session", "£", "pages/agent_spend.py", "Agent spend",
            base=("agent_sessions",), base_noun="agent sessions"),
    Measure("tasks_on_time", "Tasks completed on time", "tasks_on_time_by_month", "on_time_rate",
            "%", "pages/task_completion.py", "Task completion", by_crime_type=True,
            by_force=False, base=("due",), base_noun="tasks due"),
    Measure("overdue_tasks", "Overdue open tasks at month end", "tasks_backlog_by_month",
            "overdue", "tasks", "pages/task_completion.py", "Task completion",
            by_crime_type=True, by_force=False, area_total=True),
)  # fmt: skip


@dataclass(frozen=True)
class Tile:
    measure: Measure
    label: str  # with the crime type where it narrows the measure
    month: str | None  # latest month with a value in the period, YYYY-MM
    value: float | None
    previous: float | None  # the calendar month before
    year_ago: float | None  # the same month a year before
    target: float | None
    status: Status
    trend: pd.DataFrame  # month, value: the 12 months to the period end
    notes: tuple[str, ...]  # what the tile does not show (no crime type, no force, ...)
    synthetic: bool  # rests on the synthetic sample extracts
    direction: str = ""  # 'higher' or 'lower' is better, from the target; '' when unknown

    @property
    def previous_month(self) -> str | None:
        return shift_month(self.month, -1) if self.month else None

    @property
    def year_ago_month(self) -> str | None:
        return shift_month(self.month, -12) if self.month else None

    @property
    def change_previous(self) -> str | None:
        return change(self.value, self.previous, self.measure.unit)

    @property
    def change_year(self) -> str | None:
        return change(self.value, self.year_ago, self.measure.unit)


def _number(v) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def crime_type_for(m: Measure, f: Filters) -> str:
    """The crime type a measure's query is run for under the filters."""
    if m.crime_type:
        return m.crime_type
    if not m.by_crime_type:
        return ALL_CRIME
    if m.key == CONVICTION:  # a flag has its own tile, so this one stays all crime
        return ALL_CRIME if f.crime_type in FLAGS else f.crime_type
    # tasks: offence categories only (tasks carry no hate crime or domestic abuse flag)
    return f.crime_type if f.crime_type in OFFENCE_CATEGORIES else ALL_CRIME


def target_key(m: Measure, crime_type: str) -> str | None:
    """Which target applies: the conviction rate target is for all crime, or for a flag."""
    if m.key != CONVICTION:
        return m.key
    if crime_type == ALL_CRIME:
        return CONVICTION
    return FLAG_TARGETS.get(crime_type)


def status_for(
    m: Measure, value: float | None, targets: Mapping[str, Mapping], f: Filters, crime_type: str
) -> tuple[Status, float | None]:
    """Red, Amber or Green against the target, or why there is no status."""
    if value is None:
        return Status("No data", "no figure in the period"), None
    key = target_key(m, crime_type)
    t = targets.get(key) if key else None
    if t is None or _number(t.get("target")) is None:
        why = "the target is for all crime" if key is None else "no target is set"
        return Status("No target", why), None
    if m.area_total and m.by_force and f.geography != HOME_AREA:
        return Status("No target", f"the target is for the whole Area, not {f.geography}"), None
    if m.area_total and crime_type != ALL_CRIME:
        return Status("No target", f"the target is for all crime, not {crime_type}"), None
    target = _number(t["target"])
    s = rag_status(value, target, _number(t.get("amber_margin")), t["direction"], m.unit)
    return s, target


def _params(m: Measure, f: Filters, crime_type: str, start: str) -> dict[str, str]:
    p = {"start": start, "end": f.end}
    if m.by_force:
        p["area"] = f.geography
    if m.by_crime_type or m.crime_type:
        p["crime_type"] = crime_type
    return p


def tile_for(m: Measure, run: Run, targets: Mapping[str, Mapping], f: Filters) -> Tile:
    crime_type = crime_type_for(m, f)
    # from a year before the period (for the year-ago change) to its end
    first = shift_month(f.start, -12)
    df = run(m.query, **_params(m, f, crime_type, first))
    series: dict[str, float] = {}
    if len(df) and m.column in df:
        for month, v in zip(df["month"], df[m.column]):
            if (x := _number(v)) is not None:
                series[str(month)] = x
    in_period = [mo for mo in sorted(series) if f.start <= mo <= f.end]
    month = in_period[-1] if in_period else None
    value = series.get(month) if month else None
    status, target = status_for(m, value, targets, f, crime_type)
    key = target_key(m, crime_type)
    direction = str((targets.get(key) or {}).get("direction") or "") if key else ""
    trend_months = [shift_month(f.end, -i) for i in range(11, -1, -1)]
    trend = pd.DataFrame(
        {"month": trend_months, "value": [series.get(mo) for mo in trend_months]}
    ).dropna()
    label = m.label
    if m.key == CONVICTION and crime_type != ALL_CRIME:
        label = f"{crime_type} conviction rate"
    elif m.by_crime_type and crime_type != ALL_CRIME:
        label = f"{m.label}: {crime_type}"
    notes = []
    if m.key == CONVICTION and f.crime_type in FLAGS:
        notes.append(f"All crime: {f.crime_type.lower()} has its own tile")
    elif f.crime_type != ALL_CRIME and crime_type != f.crime_type and not m.crime_type:
        notes.append(f"All crime: no {f.crime_type.lower()} in this data")
    if m.base and month and len(df) and all(c in df for c in m.base):
        row = df[df["month"].astype(str) == month]
        n = int(sum(row[c].sum() for c in m.base))
        if n < FEW_CASES:
            notes.append(f"Only {n:,} {m.base_noun} in {month_label(month)}: compare with care")
    if not m.by_force and f.geography != HOME_AREA:
        notes.append(f"{HOME_AREA}: tasks have no police force")
    return Tile(
        measure=m,
        label=label,
        month=month,
        value=value,
        previous=series.get(shift_month(month, -1)) if month else None,
        year_ago=series.get(shift_month(month, -12)) if month else None,
        target=target,
        status=status,
        trend=trend,
        notes=tuple(notes),
        synthetic=m.synthetic or crime_type in FLAGS,
        direction=direction,
    )


def tiles(run: Run, targets: pd.DataFrame, f: Filters) -> list[Tile]:
    """One tile per measure in MEASURES, for the filters `f`. `targets` is ref_targets."""
    by_key = targets.set_index("measure").to_dict("index") if len(targets) else {}
    return [tile_for(m, run, by_key, f) for m in MEASURES]


def table(tiles_: list[Tile]) -> pd.DataFrame:
    """The tiles as a table: what the Overview offers to download."""
    rows = []
    for t in tiles_:
        unit = t.measure.unit
        rows.append(
            {
                "measure": t.label,
                "latest_month": t.month or "",
                "value": t.value,
                "value_shown": fmt_value(t.value, unit),
                "previous_month": t.previous_month or "",
                "previous_value": t.previous,
                "change_on_previous_month": t.change_previous or "",
                "year_ago_month": t.year_ago_month or "",
                "year_ago_value": t.year_ago,
                "change_on_year_ago": t.change_year or "",
                "target": t.target,
                "status": t.status.word,
                "status_detail": t.status.explanation,
                "unit": UNIT_WORDS.get(unit, unit),
                "data": "Synthetic sample" if t.synthetic else "CPS published",
                "notes": "; ".join(t.notes),
            }
        )
    return pd.DataFrame(rows)


def describe_latest(t: Tile) -> str:
    """'Mar 2018; -0.4 points on Mar 2017', or why there is no figure or change."""
    if not t.month:
        return "No figure in the period"
    year = month_label(t.year_ago_month)
    if t.change_year:
        return f"{month_label(t.month)}; {t.change_year} on {year}"
    return f"{month_label(t.month)}; no figure for {year}"
