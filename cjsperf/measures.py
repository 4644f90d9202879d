"""The measures: one definition each, held as data (data/reference/measures.csv).

Every measure is a row of `data/reference/measures.csv`, which the warehouse validates like an
extract (a bad target is a rejected line, not a wrong colour) into `ref_measures`; `registry()`
turns the rows of `queries/measures.sql` into `Measure` objects. A `Measure` knows its label, unit,
which direction is better, its target and tolerance, its definition, the query and column of its
monthly series and which filters apply to it, and it formats values, changes and statuses for the
Overview, the page headers and the charts alike.

The Overview tiles and the SPC trends built from these measures are in `cjsperf.trends`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cjsperf.extracts import ALL_CRIME, FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.filters import Filters
from cjsperf.headlines import Status, change, fmt_value, rag_status

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
    by_flag: bool = False  # the data carry the flags (Hate crime, Domestic abuse)
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
        if f.crime_type in FLAGS:
            # Letters and trials carry the flags (by_flag); conviction rates have a measure of
            # each flag instead, and tasks, sessions, training and casework carry none.
            return f.crime_type if self.by_flag else ALL_CRIME
        if self.by_crime_type and f.crime_type in OFFENCE_CATEGORIES:
            return f.crime_type
        return ALL_CRIME

    def params(self, f: Filters, start: str, end: str | None = None, area: str | None = None):
        """Its query's parameters for the filters, from `start` to `end` (default the period's end)."""
        p = {"start": start, "end": end or f.end}
        if self.by_force:
            p["area"] = area or f.geography
        if self.by_crime_type or self.by_flag or self.crime_type:
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
        if (self.by_crime_type or self.by_flag) and crime_type != ALL_CRIME:
            return f"{self.label}: {crime_type}"
        return self.label


class MissingMeasure(KeyError):
    """A page asked for a measure the registry does not hold (its line was refused at load);
    `why`: that line's problems in words (`ui.refused_measures`), when known."""

    def __init__(self, key: str, why: str = ""):
        super().__init__(key)
        self.why = why

    def __str__(self) -> str:
        why = f" ({self.why})" if self.why else ""
        return (
            f"The measure {self.args[0]!r} could not be loaded: its line in "
            f"data/reference/measures.csv was refused{why}. The Data quality page lists every "
            "problem with its line."
        )


class Registry(dict):
    """The measures by key; a missing key raises MissingMeasure, which the frame shows plainly."""

    def __missing__(self, key: str) -> Measure:
        raise MissingMeasure(key)


def _flag(v) -> bool:
    return bool(v) if not isinstance(v, str) else v.strip().upper() in ("Y", "TRUE", "1")


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def registry(df: pd.DataFrame) -> Registry:
    """The measures, by key in the registry's order, from the rows of `queries/measures.sql`."""
    out = Registry()
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
            # the registry names a page (court_sessions); Streamlit links take its file
            page=r["page"] if str(r["page"]).endswith(".py") else f"pages/{r['page']}.py",
            definition=_text(r.get("definition")),
            crime_type=_text(r.get("crime_type")) or None,
            by_crime_type=_flag(r.get("by_crime_type")),
            by_flag=_flag(r.get("by_flag")),
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
