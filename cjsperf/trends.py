"""A measure's monthly trend under the filters, with its statistical process control (SPC).

One computation gives the Overview tile, the page header and the SPC chart the same figures: the
series (at least `SPAN` months, ending at the period's end), its XmR limits and signals
(`cjsperf.spc`), the variation of the latest point and the assurance against the target, and the
headline that says what the statistics say. No Streamlit or Plotly here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from cjsperf import spc
from cjsperf.events import Event, process_changes
from cjsperf.filters import Filters, month_label, shift_month
from cjsperf.headlines import FEW_CASES
from cjsperf.measures import Measure, number, value_column

Run = Callable[..., pd.DataFrame]

SPAN = 24  # an SPC chart shows at least this many months, ending at the period's end
# The columns the SPC adds to a query's monthly rows (tables, downloads and the command line).
SPC_COLUMNS = {
    "mean": "spc_mean",
    "lower": "spc_lower",
    "upper": "spc_upper",
    "signal": "spc_signal",
    "special_cause": "spc_special_cause",
}
SPC_LABELS = {
    "spc_mean": "Mean",
    "spc_lower": "Lower process limit",
    "spc_upper": "Upper process limit",
    "spc_signal": "Special cause rule",
    "spc_special_cause": "Special cause",
}
ASSURANCE_WORDS = {
    "consistently passes": "consistently passes the target",
    "consistently fails": "consistently fails the target",
    "hit and miss": "hit and miss against the target",
    "no target": "no target",
}
# The order the Overview leads with: concerns first.
VARIATION_ORDER = {
    "special cause concern": 0,
    "special cause improvement": 1,
    "special cause neutral": 2,
    "common cause": 3,
    "": 4,
}


@dataclass(frozen=True)
class Trend:
    measure: Measure
    label: str  # the measure's label for the crime type
    area: str | None  # the series' geography (None: the data has no police force)
    crime_type: str
    first: str  # first month shown (YYYY-MM)
    last: str  # the period's end
    start: str  # the period's start: the latest point must lie in start..last to count
    data: pd.DataFrame  # the query's rows first..last, with the SPC columns
    result: spc.SpcResult
    column: str | None  # the query column holding the value
    target: float | None  # the target that applies under the filters
    no_target_why: str
    events: tuple[Event, ...]  # the events of this measure within the months shown
    extended: bool  # the chart shows months before the chosen period

    @property
    def variation(self) -> str:
        """The latest point's variation; '' when the period has no figure of its own."""
        return self.result.variation if self.latest is not None else ""

    @property
    def assurance(self) -> str:
        if self.measure.better not in ("higher", "lower") or self.latest is None:
            return ""
        return self.result.assurance or ("no target" if self.target is None else "")

    @cached_property  # a trend never changes once made: worked out once (the headline, the
    def latest(self) -> pd.Series | None:  # status and the tiles ask for it many times)
        """The last point, if it lies in the chosen period (an earlier month is not the
        period's figure: Apr–Jun 2017 were never published, and March 2017 does not stand in)."""
        last = self.result.latest
        return last if last is not None and str(last["month"]) >= self.start else None

    @property
    def value(self) -> float | None:
        last = self.latest
        return None if last is None else float(last["value"])

    @property
    def month(self) -> str | None:
        last = self.latest
        return None if last is None else str(last["month"])

    @property
    def months(self) -> list[str]:
        return Filters(start=self.first, end=self.last).months

    @cached_property
    def bases(self) -> dict[str, int]:
        """The count each month's rate rests on (its base columns summed), by month (YYYY-MM);
        empty when the measure names no base or the rows lack its columns."""
        cols = list(self.measure.base_columns)
        if not cols or not all(c in self.data for c in cols) or not len(self.data):
            return {}
        month = self.data["month"].astype(str)
        if month.is_unique:  # a row a month, as the monthly queries give: no grouping needed
            rows = zip(month.tolist(), *(self.data[c].tolist() for c in cols))
            return {mo: int(sum(number(v) or 0 for v in row)) for mo, *row in rows}
        sums = self.data.groupby(month, sort=False)[cols].sum()
        return {
            str(mo): int(sum(number(v) or 0 for v in row))
            for mo, row in zip(sums.index, sums.itertuples(index=False))
        }

    def base(self, month: str) -> int | None:
        """The count a rate rests on in `month` (None when the measure names no base)."""
        return self.bases.get(month)

    @property
    def small_base(self) -> bool:
        """The latest value rests on fewer cases than the small-number threshold: no status."""
        n = self.base(self.month) if self.month else None
        return n is not None and n < FEW_CASES

    @property
    def headline(self) -> str:
        """'Conviction rate 83.9%: within its usual range (82.1%–86.0%), no significant change'."""
        r = self.result
        if self.latest is None:
            return f"{self.label}: no figure in the period"
        since = None
        if r.pending and self.month and self.month >= r.pending[-1]:
            starts = [e for e in self.events if e.first_whole_month == r.pending[-1]]
            since = starts[0].label if starts else None
        if self.small_base and self.month:
            # no status, no range: a rate on so few cases moves a lot by chance
            n = self.base(self.month)
            return (
                f"{self.label} {self.measure.fmt(self.value)}: only {n:,} "
                f"{self.measure.base_noun}, too few for a status"
            )
        return spc.describe(r, self.label, self.measure.fmt, since=since)

    @property
    def span_note(self) -> str:
        """What the chart covers when it is longer than the chosen period, else ''."""
        if not self.extended:
            return ""
        return (
            f"{month_label(self.first)} to {month_label(self.last)}: {SPAN} months, so that the "
            "control limits rest on enough points"
        )

    def table(self) -> pd.DataFrame:
        """The rows behind the chart: the query's monthly rows with the mean, the limits and the
        rule each point triggers."""
        return self.data


def first_month(f: Filters, span: int = SPAN) -> str:
    """The first month a trend shows: `span` months to the period's end, or the period's start."""
    return min(f.start, shift_month(f.end, -(span - 1)))


def trend_params(
    m: Measure, f: Filters, *, area: str | None = None, extra: dict | None = None, span: int = SPAN
) -> dict:
    """The parameters `trend_for` runs the measure's query with (`cjsperf.ui.trend_of` runs it
    first, to key the trend it keeps by the rows)."""
    return {**m.params(f, first_month(f, span), area=area), **(extra or {})}


def trend_for(
    m: Measure,
    run: Run,
    f: Filters,
    events: Sequence[Event] = (),
    *,
    area: str | None = None,
    extra: dict | None = None,
    span: int = SPAN,
) -> Trend:
    """The measure's SPC trend for the filters: at least `span` months to the period's end.
    `extra`: further parameters of its query (a page's own choice, such as the court type)."""
    crime_type = m.crime_type_for(f)
    first = first_month(f, span)
    df = run(m.query, **trend_params(m, f, area=area, extra=extra, span=span))
    df = df.reset_index(drop=True) if len(df) else pd.DataFrame({"month": []})
    col = value_column(m, df)
    months = [str(x) for x in df["month"]] if len(df) else []
    values = [number(v) for v in df[col]] if col else [None] * len(months)
    target, why = m.target_for(f, crime_type)
    changes = process_changes(events, m.key)
    # a rate cannot pass 0 or 100: limits beyond are shown at the bound (the rules are unchanged)
    result = spc.xmr(
        months, values, better=m.better or "neither", target=target, changes=changes,
        shown_within=(0, 100) if m.unit == "%" else None,
    )  # fmt: skip
    pts = result.points
    spc_cols = {}
    for src, dst in SPC_COLUMNS.items():  # by month, in one pass each (not a lookup per month)
        by_month = dict(zip(pts["month"].tolist(), pts[src].tolist()))
        spc_cols[dst] = [by_month.get(mo) for mo in months]
    # one frame made at once (a column set at a time cost ~0.7 ms each, 18 trends on the Overview)
    data = pd.DataFrame({**{c: df[c] for c in df.columns}, **spc_cols}, index=df.index)
    shown = [e for e in events if first <= e.month <= f.end and e.concerns(m.key)]
    return Trend(
        measure=m,
        label=m.label_for(crime_type),
        area=(area or f.geography) if m.by_force else None,
        crime_type=crime_type,
        first=first,
        last=f.end,
        start=f.start,
        data=data,
        result=result,
        column=col,
        target=target,
        no_target_why=why,
        events=tuple(shown),
        extended=first < f.start,
    )


def variation_words(t: Trend) -> str:
    """'Special cause concern', 'Common cause' ... or why there is none."""
    if t.small_base:
        return "No status: too few cases"
    if t.latest is None:
        return "No figure in the period"
    if not t.variation:
        return t.result.message.capitalize() or "No data"
    return t.variation[0].upper() + t.variation[1:]


def assurance_words(t: Trend) -> str:
    if t.small_base or not t.assurance:
        return ""
    if t.assurance == "no target":
        return f"No target: {t.no_target_why}" if t.no_target_why else "No target"
    return ASSURANCE_WORDS[t.assurance][0].upper() + ASSURANCE_WORDS[t.assurance][1:]


def sort_key(t: Trend) -> tuple[int, int]:
    """Concerns first, then improvements, then the rest, each in the registry's order."""
    return (VARIATION_ORDER.get("" if t.small_base else t.variation, 4), t.measure.position)


# ------------------------------------------------------------------------------ Overview tiles
@dataclass(frozen=True)
class Tile:
    """What the Overview shows for one measure: the trend's latest month in the period, its
    changes, its variation and assurance (the one status of the measure for the period), the
    comparison's value beside it, and what the tile does not show."""

    trend: Trend
    month: str | None  # latest month with a value in the period, YYYY-MM
    value: float | None
    previous: float | None  # the calendar month before
    year_ago: float | None  # the same month a year before
    comparison: str | None  # National or the first area compared with
    comparison_value: float | None
    notes: tuple[str, ...]
    synthetic: bool

    @property
    def measure(self) -> Measure:
        return self.trend.measure

    @property
    def label(self) -> str:
        return self.trend.label

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

    @property
    def sparkline(self) -> pd.DataFrame:
        """month, value for each of the 12 months to the period's end (a missing month is a gap)."""
        months = [shift_month(self.trend.last, -i) for i in range(11, -1, -1)]
        pts = self.trend.result.points
        value = dict(zip(pts["month"].tolist(), pts["value"].tolist())) if len(pts) else {}
        return pd.DataFrame({"month": months, "value": [value.get(m) for m in months]})


# Whether the data a query reads holds any row of an area (`ui.holds`): when it holds none, the
# query's figures for that area are known to be empty, so the tile's comparison is not asked for.
Holds = Callable[[str, str], bool]


def tile_for(
    m: Measure, run: Run, f: Filters, events: Sequence[Event] = (), holds: Holds | None = None
) -> Tile:
    from cjsperf.extracts import ALL_CRIME, FLAGS, HOME_AREA
    from cjsperf.measures import CONVICTION

    t = trend_for(m, run, f, events)
    pts = t.result.points  # in month order, a value each
    value = dict(zip(pts["month"].tolist(), pts["value"].tolist()))
    in_period = [mo for mo in value if f.start <= mo <= f.end]
    month = in_period[-1] if in_period else None

    def at(mo):
        return float(value[mo]) if mo in value else None

    comparison, comparison_value = None, None
    if m.by_force and f.compare and month:
        comparison = f.compare[0]
        if holds is None or holds(m.query, comparison):
            other = run(m.query, **m.params(f, month, month, area=comparison))
            col = value_column(m, other) if len(other) else None
            comparison_value = number(other[col].iloc[-1]) if col else None
    crime_type = t.crime_type
    notes = []
    col = t.column
    if col and ";" in m.column:
        from cjsperf.measures import column_note

        if basis := column_note(m.query, col):
            notes.append(basis[0].upper() + basis[1:])  # which of its definitions is shown
    if m.key == CONVICTION and f.crime_type in FLAGS:
        notes.append(f"All crime: {f.crime_type.lower()} has its own tile")
    elif f.crime_type != ALL_CRIME and crime_type != f.crime_type and not m.crime_type:
        notes.append(f"All crime: no {f.crime_type.lower()} in this data")
    elif m.crime_type and f.crime_type not in (ALL_CRIME, m.crime_type):
        # a flag's own tile: every offence category of the flag, whatever else is chosen
        notes.append(
            f"{m.crime_type} of every offence category: not narrowed to {f.crime_type.lower()}"
        )
    if month and (n := t.base(month)) is not None and n < FEW_CASES:
        notes.append(f"Only {n:,} {m.base_noun} in {month_label(month)}: no status")
    if not m.by_force and f.geography != HOME_AREA:
        notes.append(f"{HOME_AREA}: this data has no police force")
    return Tile(
        trend=t,
        month=month,
        value=at(month) if month else None,
        previous=at(shift_month(month, -1)) if month else None,
        year_ago=at(shift_month(month, -12)) if month else None,
        comparison=comparison,
        comparison_value=comparison_value,
        notes=tuple(notes),
        synthetic=m.synthetic or crime_type in FLAGS,
    )


def tile_calls(
    registry: dict[str, Measure], f: Filters, holds: Holds | None = None
) -> list[tuple[str, dict]]:
    """The queries `tiles` runs (name, parameters): each measure's trend, and its comparison in
    the period's last month (where its data holds the area compared with)."""
    calls = []
    for m in registry.values():
        calls.append((m.query, trend_params(m, f)))
        if m.by_force and f.compare and (holds is None or holds(m.query, f.compare[0])):
            calls.append((m.query, m.params(f, f.end, f.end, area=f.compare[0])))
    return calls


def tiles(
    run: Run, registry: dict[str, Measure], f: Filters, events=(), holds: Holds | None = None
) -> list[Tile]:
    """One tile per measure, special cause concerns first, then improvements, then the rest, each
    group in the registry's order."""
    out = [tile_for(m, run, f, events, holds) for m in registry.values()]
    return sorted(out, key=lambda t: sort_key(t.trend))


def table(tiles_: list[Tile]) -> pd.DataFrame:
    """The tiles as a table: what the Overview offers to download."""
    from cjsperf.measures import UNIT_WORDS

    rows = []
    for t in tiles_:
        m, tr = t.measure, t.trend
        last = tr.latest
        rows.append(
            {
                "measure": t.label,
                "latest_month": t.month or "",
                "value": t.value,
                "value_shown": m.fmt(t.value),
                "variation": variation_words(tr),
                "assurance": assurance_words(tr),
                "mean": None if last is None else number(last["mean"]),
                "lower_limit": None if last is None else number(last["lower"]),
                "upper_limit": None if last is None else number(last["upper"]),
                "target": tr.target,
                "better": m.better,
                "comparison": t.comparison or "",
                "comparison_value": t.comparison_value,
                "previous_month": t.previous_month or "",
                "previous_value": t.previous,
                "change_on_previous_month": t.change_previous or "",
                "year_ago_month": t.year_ago_month or "",
                "year_ago_value": t.year_ago,
                "change_on_year_ago": t.change_year or "",
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
