"""The measures: one definition each, held as data, and what a tile shows for the chosen filters.

Every measure is a row of `data/reference/measures.csv`, which the warehouse validates like an
extract (a bad target is a rejected line, not a wrong colour) into `ref_measures`; `registry()`
turns the rows of `queries/measures.sql` into `Measure` objects. A `Measure` knows its label, unit,
which direction is better, its target and tolerance, its definition, the query and column of its
monthly series and which filters apply to it, and it formats values, changes and statuses for the
Overview, the page headers and the charts alike.

`tiles()` turns each monthly series into what an Overview tile shows. Pure: the caller passes a
function that runs a query (`ui.query` in the app, `Warehouse.run_query` in tests).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from cjsperf.extracts import ALL_CRIME, FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.filters import Filters, month_label, shift_month
from cjsperf.headlines import FEW_CASES, Status, change, fmt_value, rag_status

Run = Callable[..., pd.DataFrame]

CONVICTION = "conviction_rate"
# Units in words for the downloaded table (a cell of symbols only is not accessible).
UNIT_WORDS = {"%": "per cent (changes in percentage points)", "£": "pounds"}
BETTER_WORDS = {"higher": "at least", "lower": "at most"}


def number(value) -> float | None:
    """A float, or None for a missing value (None, NaN, NA, text)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class Measure:
    """One row of the measure registry (data/reference/measures.csv; see data/README.md)."""

    key: str
    label: str
    unit: str  # '%', '£' or a count's plural noun ('tasks')
    better: str  # 'higher', 'lower' or 'neither'
    query: str  # queries/<query>.sql, one row per month
    column: str  # its monthly value; 'a;b': the first of these columns that has values
    page: str  # the page that explains it (pages/<name>.py)
    definition: str
    crime_type: str | None = None  # a fixed crime type; None: the filter's (if the data has one)
    by_crime_type: bool = False  # the data has a crime type the filter narrows
    by_force: bool = True  # the data has a police force area
    area_total: bool = False  # an amount or count: its target is for the whole Area
    synthetic: bool = True
    base_columns: tuple[str, ...] = ()  # summed for the count a rate rests on
    base_noun: str = ""
    target: float | None = None
    tolerance: float | None = None
    position: int = 0

    # ---- words and numbers
    def fmt(self, value) -> str:
        """The value as shown: '86.4%', '£274,444', '2,918 tasks'."""
        return fmt_value(number(value), self.unit)

    def change(self, latest, before) -> str | None:
        """'+1.2 points' for rates, '-4.1%' for amounts and counts; None when either is missing."""
        return change(number(latest), number(before), self.unit)

    def judge(self, latest, before) -> str:
        """Whether a change is 'better', 'worse' or 'same' for this measure ('' when unknown or
        the measure has no better direction)."""
        a, b = number(latest), number(before)
        if a is None or b is None or self.better not in BETTER_WORDS:
            return ""
        if a == b:
            return "same"
        return "better" if (a > b) == (self.better == "higher") else "worse"

    @property
    def delta_color(self) -> str:
        """st.metric's delta_color: green for a change for the better, red for the worse."""
        return {"higher": "normal", "lower": "inverse"}.get(self.better, "off")

    @property
    def text(self) -> str:
        """'Target: at least 85.0%' (for a chart's target line), or '' with no target."""
        if self.target is None:
            return ""
        word = BETTER_WORDS.get(self.better, "")
        return f"Target: {word} {fmt_value(self.target, self.unit)}".replace("  ", " ")

    def status(self, value) -> Status:
        """Green, Amber or Red for one value against the target (the word always travels with its
        explanation), or 'No target'."""
        if self.target is None or self.better not in BETTER_WORDS:
            return Status("No target", "no target is set")
        return rag_status(number(value), self.target, self.tolerance, self.better, self.unit)

    # ---- which data it reads under the filters
    def crime_type_for(self, f: Filters) -> str:
        """The crime type its query is run for under the filters."""
        if self.crime_type:
            return self.crime_type
        if not self.by_crime_type:
            return ALL_CRIME
        if f.crime_type in FLAGS:
            # A flag has its own measures (fixed crime type); tasks carry no flag at all.
            return ALL_CRIME
        return f.crime_type if f.crime_type in OFFENCE_CATEGORIES else ALL_CRIME

    def params(self, f: Filters, start: str, end: str | None = None, area: str | None = None):
        """Its query's parameters for the filters, from `start` to `end` (default the period's end)."""
        p = {"start": start, "end": end or f.end}
        if self.by_force:
            p["area"] = area or f.geography
        if self.by_crime_type or self.crime_type:
            p["crime_type"] = self.crime_type_for(f)
        return p

    def target_for(self, f: Filters, crime_type: str) -> tuple[float | None, str]:
        """The target that applies under the filters, or None and why not."""
        if self.target is None:
            return None, "no target is set"
        if self.area_total and self.by_force and f.geography != HOME_AREA:
            return None, f"the target is for the whole Area, not {f.geography}"
        if self.crime_type is None and crime_type != ALL_CRIME:
            return None, f"the target is for all crime, not {crime_type}"
        return self.target, ""

    def status_for(self, value, f: Filters, crime_type: str) -> Status:
        """As `status`, saying why there is none when the target does not apply to the filters."""
        if number(value) is None:
            return Status("No data", "no figure in the period")
        target, why = self.target_for(f, crime_type)
        if target is None:
            return Status("No target", why)
        return self.status(value)

    def label_for(self, crime_type: str) -> str:
        if self.key == CONVICTION and crime_type != ALL_CRIME:
            return f"{crime_type} conviction rate"
        if self.by_crime_type and crime_type != ALL_CRIME:
            return f"{self.label}: {crime_type}"
        return self.label


def _flag(v) -> bool:
    return bool(v) if not isinstance(v, str) else v.strip().upper() in ("Y", "TRUE", "1")


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def registry(df: pd.DataFrame) -> dict[str, Measure]:
    """The measures, by key in the registry's order, from the rows of `queries/measures.sql`."""
    out: dict[str, Measure] = {}
    for r in df.to_dict("records"):
        base = r.get("base_columns")
        base = tuple(base) if base is not None and not isinstance(base, (str, float)) else ()
        out[r["key"]] = Measure(
            key=r["key"],
            label=r["label"],
            unit=_text(r["unit"]),
            better=_text(r["better"]),
            query=r["query"],
            column=r["column"],
            page=r["page"],
            definition=_text(r.get("definition")),
            crime_type=_text(r.get("crime_type")) or None,
            by_crime_type=_flag(r.get("by_crime_type")),
            by_force=_flag(r.get("by_force")),
            area_total=_flag(r.get("area_total")),
            synthetic=_flag(r.get("synthetic")),
            base_columns=base,
            base_noun=_text(r.get("base_noun")),
            target=number(r.get("target")),
            tolerance=number(r.get("tolerance")),
            position=int(number(r.get("position")) or 0),
        )
    return out


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
    trend: pd.DataFrame  # month, value: the 12 months to the period end, one row per month
    notes: tuple[str, ...]  # what the tile does not show (no crime type, no force, ...)
    synthetic: bool  # rests on the synthetic sample extracts

    @property
    def previous_month(self) -> str | None:
        return shift_month(self.month, -1) if self.month else None

    @property
    def year_ago_month(self) -> str | None:
        return shift_month(self.month, -12) if self.month else None

    @property
    def change_previous(self) -> str | None:
        return self.measure.change(self.value, self.previous)

    @property
    def change_year(self) -> str | None:
        return self.measure.change(self.value, self.year_ago)


def value_column(m: Measure, df: pd.DataFrame) -> str | None:
    """The column of `df` that holds the measure's value: the first of its columns ('a;b') that the
    query returned with any value (the all-crime conviction rate is CPS's headline rate, which a
    single offence category does not have)."""
    for c in m.column.split(";"):
        if c in df and df[c].notna().any():
            return c
    return None


def column_note(query: str, column: str) -> str:
    """What a query's header says of one of its columns: 'headline_rate (CPS headline rate:
    administratively finalised cases counted as unsuccessful; All crime only)' gives the text in
    brackets up to its first ';'."""
    from cjsperf.queries import QueryError, load_query

    try:
        returns = load_query(query).returns
    except QueryError:
        return ""
    m = re.search(rf"(?:^|,\s*){re.escape(column)} \(", returns)
    if not m:
        return ""
    depth, i = 1, m.end()
    while i < len(returns) and depth:
        depth += {"(": 1, ")": -1}.get(returns[i], 0)
        i += 1
    return returns[m.end() : i - 1].split(";")[0].strip()


def monthly_series(m: Measure, df: pd.DataFrame) -> dict[str, float]:
    """Month (YYYY-MM) → value of the measure, months without a value left out."""
    series: dict[str, float] = {}
    col = value_column(m, df)
    if len(df) and col and "month" in df:
        for month, v in zip(df["month"], df[col]):
            if (x := number(v)) is not None:
                series[str(month)] = x
    return series


def tile_for(m: Measure, run: Run, f: Filters) -> Tile:
    crime_type = m.crime_type_for(f)
    # from a year before the period (for the year-ago change) to its end
    df = run(m.query, **m.params(f, shift_month(f.start, -12)))
    series = monthly_series(m, df)
    in_period = [mo for mo in sorted(series) if f.start <= mo <= f.end]
    month = in_period[-1] if in_period else None
    value = series.get(month) if month else None
    status = m.status_for(value, f, crime_type)
    target, _ = m.target_for(f, crime_type)
    # Every month of the 12 to the period's end, a missing one kept as a gap.
    trend_months = [shift_month(f.end, -i) for i in range(11, -1, -1)]
    trend = pd.DataFrame({"month": trend_months, "value": [series.get(mo) for mo in trend_months]})
    notes = []
    col = value_column(m, df)
    if col and ";" in m.column and (basis := column_note(m.query, col)):
        notes.append(basis[0].upper() + basis[1:])  # which of its definitions is shown
    if m.key == CONVICTION and f.crime_type in FLAGS:
        notes.append(f"All crime: {f.crime_type.lower()} has its own tile")
    elif f.crime_type != ALL_CRIME and crime_type != f.crime_type and not m.crime_type:
        notes.append(f"All crime: no {f.crime_type.lower()} in this data")
    if m.base_columns and month and all(c in df for c in m.base_columns):
        row = df[df["month"].astype(str) == month]
        n = int(sum(row[c].sum() for c in m.base_columns))
        if n < FEW_CASES:
            notes.append(f"Only {n:,} {m.base_noun} in {month_label(month)}: compare with care")
    if not m.by_force and f.geography != HOME_AREA:
        notes.append(f"{HOME_AREA}: this data has no police force")
    return Tile(
        measure=m,
        label=m.label_for(crime_type),
        month=month,
        value=value,
        previous=series.get(shift_month(month, -1)) if month else None,
        year_ago=series.get(shift_month(month, -12)) if month else None,
        target=target if value is not None else None,
        status=status,
        trend=trend,
        notes=tuple(notes),
        synthetic=m.synthetic or crime_type in FLAGS,
    )


def tiles(run: Run, registry_: Mapping[str, Measure] | Iterable[Measure], f: Filters) -> list[Tile]:
    """One tile per measure, in the registry's order, for the filters `f`."""
    ms = registry_.values() if isinstance(registry_, Mapping) else registry_
    return [tile_for(m, run, f) for m in sorted(ms, key=lambda m: m.position)]


def table(tiles_: list[Tile]) -> pd.DataFrame:
    """The tiles as a table: what the Overview offers to download."""
    rows = []
    for t in tiles_:
        m = t.measure
        rows.append(
            {
                "measure": t.label,
                "latest_month": t.month or "",
                "value": t.value,
                "value_shown": m.fmt(t.value),
                "previous_month": t.previous_month or "",
                "previous_value": t.previous,
                "change_on_previous_month": t.change_previous or "",
                "year_ago_month": t.year_ago_month or "",
                "year_ago_value": t.year_ago,
                "change_on_year_ago": t.change_year or "",
                "better": m.better,
                "target": t.target,
                "status": t.status.word,
                "status_detail": t.status.explanation,
                "unit": UNIT_WORDS.get(m.unit, m.unit),
                "definition": m.definition,
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
