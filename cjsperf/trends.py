"""A measure's monthly trend under the filters, with its statistical process control (SPC).

One computation gives the Overview tile, the page header and the SPC chart the same figures: the
series (at least `SPAN` months, ending at the period's end), its XmR limits and signals
(`cjsperf.spc`), the variation of the latest point and the assurance against the target, and the
headline that says what the statistics say. No Streamlit or Plotly here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
    data: pd.DataFrame  # the query's rows first..last, with the SPC columns
    result: spc.SpcResult
    column: str | None  # the query column holding the value
    target: float | None  # the target that applies under the filters
    no_target_why: str
    events: tuple[Event, ...]  # the events of this measure within the months shown
    extended: bool  # the chart shows months before the chosen period

    @property
    def variation(self) -> str:
        return self.result.variation

    @property
    def assurance(self) -> str:
        if self.measure.better not in ("higher", "lower"):
            return ""
        return self.result.assurance or ("no target" if self.target is None else "")

    @property
    def latest(self) -> pd.Series | None:
        return self.result.latest

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

    def base(self, month: str) -> int | None:
        """The count a rate rests on in `month` (None when the measure names no base)."""
        m = self.measure
        if not m.base_columns or not all(c in self.data for c in m.base_columns):
            return None
        row = self.data[self.data["month"].astype(str) == month]
        return int(sum(number(row[c].sum()) or 0 for c in m.base_columns)) if len(row) else None

    @property
    def small_base(self) -> bool:
        """The latest value rests on fewer cases than the small-number threshold: no status."""
        n = self.base(self.month) if self.month else None
        return n is not None and n < FEW_CASES

    @property
    def headline(self) -> str:
        """'Conviction rate 83.9%: within its usual range (82.1%–86.0%), no significant change'."""
        r = self.result
        since = None
        if r.pending and self.month and self.month >= r.pending[-1]:
            starts = [e for e in self.events if e.first_whole_month == r.pending[-1]]
            since = starts[0].label if starts else None
        text = spc.describe(r, self.label, self.measure.fmt, since=since)
        if self.small_base and self.month:
            text += f" (only {self.base(self.month):,} {self.measure.base_noun}: no status)"
        return text

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
    first = min(f.start, shift_month(f.end, -(span - 1)))
    df = run(m.query, **m.params(f, first, area=area), **(extra or {}))
    df = df.reset_index(drop=True) if len(df) else pd.DataFrame({"month": []})
    col = value_column(m, df)
    months = [str(x) for x in df["month"]] if len(df) else []
    values = [number(v) for v in df[col]] if col else [None] * len(months)
    target, why = m.target_for(f, crime_type)
    changes = process_changes(events, m.key)
    result = spc.xmr(months, values, better=m.better or "neither", target=target, changes=changes)
    pts = result.points.set_index("month")
    data = df.copy()
    for src, dst in SPC_COLUMNS.items():
        data[dst] = [pts[src].get(mo) if mo in pts.index else None for mo in months]
    shown = [e for e in events if first <= e.month <= f.end and e.concerns(m.key)]
    return Trend(
        measure=m,
        label=m.label_for(crime_type),
        area=(area or f.geography) if m.by_force else None,
        crime_type=crime_type,
        first=first,
        last=f.end,
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
