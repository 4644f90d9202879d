"""Headline figures (KPIs) for the top of a page: a value for the period, its change on the
previous period of the same length, and its status against a target (a `Measure`'s).

The pure part (previous period, change text) is testable without Streamlit; `show` draws the
figures as `st.metric` tiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from cjsperf.filters import period_label, shift_month
from cjsperf.headlines import Status, change, fmt_value, half_up
from cjsperf.measures import number

# A period's rate worked out again from its summed counts (never an average of monthly rates),
# as the queries work it out: column -> (numerator, denominator).
RATES = {"on_time_rate": ("on_time", "due")}


def rate_half_up(num: int, den: int) -> float | None:
    """`num` as a % of `den`, one decimal, half-up: the SQL macro `rate_half_up` (cjsperf/db.py)
    in Python, in whole numbers as it is. None when `den` is 0."""
    num, den = int(num), int(den)
    return ((2000 * num + den) // (2 * den)) / 10 if den > 0 else None


def summed(monthly: pd.DataFrame, start: str, end: str, columns: Sequence[str]) -> dict:
    """A period's figures from a query's monthly rows (`month` YYYY-MM and counts): each of
    `columns` summed over the months start..end, and each rate of RATES worked out again from its
    summed counts. {} when no month of the period has a row (a period query returns no row)."""
    rows = monthly[(monthly["month"] >= start) & (monthly["month"] <= end)]
    if rows.empty:
        return {}
    out = {c: int(rows[c].sum()) for c in columns if c != "month" and c not in RATES}
    for c, (num, den) in RATES.items():
        if c in columns:
            out[c] = rate_half_up(out[num], out[den])
    return out


def period_months(start: str, end: str) -> int:
    """How many months start..end (YYYY-MM) covers, both included."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7]) + 1


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same number of months just before start..end."""
    return shift_month(start, -period_months(start, end)), shift_month(start, -1)


def first_row(df: pd.DataFrame) -> Mapping:
    """The single row of a one-row summary query as a mapping (empty when the query failed)."""
    return df.iloc[0].to_dict() if len(df) else {}


def compact(value: float | None, unit: str) -> str:
    """Like `fmt_value`, but pounds of a million or more as '£3.84m' so a tile stays narrow."""
    v = number(value)
    if unit == "£" and v is not None and abs(v) >= 1_000_000:
        return f"£{half_up(Decimal(str(v)) / 1_000_000, 2):,.2f}m"  # £3,845,000 → £3.85m
    return fmt_value(v, unit)


@dataclass(frozen=True)
class Kpi:
    """One headline figure. `better` is 'higher', 'lower' or '' (neither) for the change's colour."""

    label: str
    value: float | None
    unit: str
    previous: float | None = None
    better: str = ""  # 'higher' or 'lower' is better; '' or 'neither': a change is not judged
    status: Status | None = None
    help: str = ""

    @property
    def delta(self) -> str | None:
        return change(number(self.value), number(self.previous), self.unit)


def table(kpis: Sequence[Kpi], before: str | None) -> pd.DataFrame:
    """The headline figures as rows: figure, value and change as the tiles show them, status."""
    return pd.DataFrame(
        {
            "Figure": [k.label for k in kpis],
            "Value": [compact(k.value, k.unit) for k in kpis],
            f"Change on {before}" if before else "Change": [
                (k.delta or "no change") if before else "not covered" for k in kpis
            ],
            "Against target": [k.status.word if k.status else "" for k in kpis],
        }
    )


PER_ROW = 5  # tiles side by side; more wrap to another row, so a figure is never cut short


def show(kpis: Sequence[Kpi], previous: tuple[str, str] | None) -> None:
    """Rows of `st.metric` tiles. `previous` is the comparison period, or None when the extracts
    do not cover it (then no change is shown, and the help says why)."""
    import streamlit as st

    from cjsperf import ui

    before = period_label(*previous) if previous else None
    if (pack := ui.collecting()) is not None:  # the meeting pack records the figures instead
        pack.add("kpis", data=table(kpis, before))
    else:
        _tiles(kpis, before)
    # The notes under the tiles (recorded for the meeting pack while one is built)
    statuses = [f"{k.label} **{k.status.word}** ({k.status.explanation})" for k in kpis if k.status]
    if statuses:
        st.caption("Against target: " + "; ".join(statuses) + ".")
    if before:
        st.caption(f"Changes compare with the previous period of the same length, {before}.")
    else:
        st.caption("No change shown: the extracts do not cover the whole previous period.")


def _tiles(kpis: Sequence[Kpi], before: str | None) -> None:
    import streamlit as st

    width = min(len(kpis), PER_ROW)
    cols = [c for start in range(0, len(kpis), width) for c in st.columns(width)]
    for col, k in zip(cols, kpis):
        delta = k.delta if before else None
        parts = [k.help] if k.help else []
        if delta:
            parts.append(f"Previous period ({before}): {fmt_value(number(k.previous), k.unit)}.")
        if k.status is not None:
            parts.append(f"{k.status.word}: {k.status.explanation}.")
        col.metric(
            k.label,
            compact(k.value, k.unit),
            delta=delta,
            delta_color={"higher": "normal", "lower": "inverse"}.get(k.better, "off"),
            help=" ".join(parts) or None,
            border=True,
        )
