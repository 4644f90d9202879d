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

# A period's figures worked out again from its months' counts (never an average of monthly
# figures), as the period queries work them out: a rate column -> (numerator, denominator), % to
# one decimal half-up; an average in pounds -> (amount, count), to the penny half-up.
RATES = {
    "on_time_rate": ("on_time", "due"),
    "agent_share": ("agent_sessions", "sessions"),
    "in_house_share": ("in_house_sessions", "sessions"),
    "effective_rate": ("effective", "trials"),
    "prosecution_attributed_rate": ("prosecution_attributed", "trials"),
    "attendance_rate": ("witnesses_attended", "witnesses_required"),
    "witness_absent_rate": ("witness_absent", "trials"),
    "fully_met_rate": ("fully_met", "answers"),
    "good_rate": ("good", "assessed"),
}
MONEY_AVERAGES = {
    "cost_per_agent_session": ("agent_fees", "agent_sessions"),
    "avg_monthly_spend": ("total_spend", "months"),
}
MONEY = frozenset({"agent_fees", "counsel_fees", "total_spend"})  # pounds, summed in pence
MONTHS = "months"  # the months of the period that have a row


def rate_half_up(num: int, den: int) -> float | None:
    """`num` as a % of `den`, one decimal, half-up: the SQL macro `rate_half_up` (cjsperf/db.py)
    in Python, in whole numbers as it is. None when `den` is 0."""
    num, den = int(num), int(den)
    return ((2000 * num + den) // (2 * den)) / 10 if den > 0 else None


def money_half_up(pence: int, n: int) -> float | None:
    """An amount in pence ÷ `n`, in pounds to the penny, half-up (halves away from zero): the SQL
    macro `money_half_up` (queries/shared/money.sql) in Python, in whole pence as it is. None when
    `n` is not above 0."""
    pence, n = int(pence), int(n)
    if n <= 0:
        return None
    whole = (2 * abs(pence) + n) // (2 * n)
    return (whole if pence >= 0 else -whole) / 100


def summed(monthly: pd.DataFrame, start: str, end: str, columns: Sequence[str]) -> dict | None:
    """A period's figures from a query's monthly rows (`month` YYYY-MM, one row a month): each of
    `columns` (a period query's) summed over the months start..end, pounds in whole pence; MONTHS
    counted; each rate of RATES and average of MONEY_AVERAGES worked out from the sums. None when
    no month of the period has a row, or a column cannot be worked out from the monthly rows:
    then only the period query itself can say."""
    rows = monthly[(monthly["month"] >= start) & (monthly["month"] <= end)]
    if rows.empty or rows["month"].duplicated().any():
        return None

    def total(c: str) -> int:
        if c == MONTHS:
            return len(rows)
        if rows[c].isna().any():
            raise TypeError(c)  # a month without the figure: only the period query can say
        if c in MONEY:
            return sum(round(float(v) * 100) for v in rows[c])
        if not pd.api.types.is_integer_dtype(rows[c]):  # a rate or an average: not summed
            raise TypeError(c)
        return int(rows[c].sum())

    out: dict = {}
    try:
        for c in columns:
            if c in RATES:
                out[c] = rate_half_up(total(RATES[c][0]), total(RATES[c][1]))
            elif c in MONEY_AVERAGES:
                out[c] = money_half_up(total(MONEY_AVERAGES[c][0]), total(MONEY_AVERAGES[c][1]))
            else:
                out[c] = total(c) / 100 if c in MONEY else total(c)
    except (KeyError, TypeError, ValueError):  # a column the months do not hold, or not a count
        return None
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


def change_words(now, then, unit: str) -> str | None:
    """The change from `then` to `now` as the headline figures say it: '+1.2 points', '-4.1%',
    'no change' for a count of 0 both times; None when there is nothing to compare (either figure
    missing, or a count rising from 0, which has no percentage change)."""
    a, b = number(now), number(then)
    if a is None or b is None:
        return None
    if (c := change(a, b, unit)) is not None:
        return c
    return "no change" if a == b else None


def compared(label: str, now, then, unit: str) -> str:
    """An earlier figure beside the current one: 'on time 79.3% (+8.7 points)'; without a change
    when there is none to give ('assessed good no data')."""
    c = change_words(now, then, unit)
    return f"{label} {fmt_value(number(then), unit)}" + (f" ({c})" if c else "")


def year_before_line(
    period: tuple[str, str], figures: Sequence[tuple[str, object, object, str]]
) -> str:
    """'A year before (Mar 2017): on time 79.3% (+8.7 points); tasks due 2,241 (-4.1%).' from
    (label, now, a year before, unit) of each figure."""
    said = "; ".join(compared(label, now, then, unit) for label, now, then, unit in figures)
    return f"A year before ({period_label(*period)}): {said}."


def table(kpis: Sequence[Kpi], before: str | None) -> pd.DataFrame:
    """The headline figures as rows: figure, value and change as the tiles show them, status."""
    return pd.DataFrame(
        {
            "Figure": [k.label for k in kpis],
            "Value": [compact(k.value, k.unit) for k in kpis],
            f"Change on {before}" if before else "Change": [
                (change_words(k.value, k.previous, k.unit) or "no comparison")
                if before
                else "not covered"
                for k in kpis
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
