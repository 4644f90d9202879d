"""Statistical process control: the XmR (individuals) chart as NHS "Making Data Count" draws it.

No Streamlit or Plotly here: a series goes in, a table of limits and signals comes out, for the
charts, the headlines, the Overview and the command line alike.

    from cjsperf import spc
    r = spc.xmr(["2017-04", "2017-05", ...], [86.1, 86.9, ...], better="higher", target=85.0,
                changes=[spc.event_segment_start("2017-06-12")])
    r.points        # one row per point: month, value, mean, lower, upper, near_lower, near_upper,
                    #   signal, special_cause, direction, segment
    r.variation     # 'common cause' | 'special cause improvement' | 'special cause concern'
                    #   | 'special cause neutral' | '' (too few points for limits)
    r.assurance     # 'consistently passes' | 'consistently fails' | 'hit and miss' | 'no target'
                    #   | '' (no better direction, or no limits)
    r.message       # '' or why there are no limits ("too few points for control limits")
    spc.describe(r, "Conviction rate", lambda v: f"{v:.1f}%")
    # 'Conviction rate 86.4%: within its usual range (84.1%–88.7%), no significant change'

The calculation follows NHSRplotthedots 0.2.2 (github.com/nhs-r-community/NHSRplotthedots), the
NHS-R Community's reference implementation; each rule below cites the file it follows.

- **Limits** (R/ptd_spc_standard.R), per segment: mean of the points; moving ranges
  mR = |xᵢ − xᵢ₋₁| within the segment; moving ranges ≥ 3.267 × mean(mR) are screened out and
  mean(mR) recomputed; process limits mean ± 2.66 × mean(mR); "near" limits at
  mean ± (2/3)·2.66 × mean(mR). A point *on* a limit is not outside it.
- **Rules** (R/ptd_calculate_point_type.R), run within each segment:
  outside limits (above the upper or below the lower process limit); **trend**: 7 points in a row
  each higher (or each lower) than the one before, a tie breaking the run; **two of three**: 2 of 3
  consecutive points between the near and the process limits, all three points on the same side
  of the mean (a point on the mean, or a point outside the limits, does not count as near), only
  the near-limit points flagged; **shift**: 7 points in a row on one side of the mean, a point on
  the mean breaking the run (equality up to floating-point rounding, relative 1e-9, so that a
  mean of 84.8 computed as 84.80000000000001 still has the points at 84.8 on it). A point's signal is the first of outside limits, trend, two of three,
  shift that it is part of.
- **Direction**: outside limits, two of three and shift are 'above' or 'below' the mean; a trend
  point is 'rising' or 'falling' by its step to the next point when the next point is in the
  trend too, otherwise by its step from the previous point (the reference's rule, which colours a
  trend crossing the mean in one colour). Against the measure's better direction ('higher',
  'lower' or 'neither') above/rising is improvement for 'higher', concern for 'lower', and neutral
  for 'neither'.
- **Variation** is the latest point's (R/geom_ptd_icon.R); **assurance** compares the target with
  the latest segment's limits (R/ptd_calculate_assurance_type.R): higher is better and target
  above the upper limit → consistently fails, below the lower limit → consistently passes, else
  hit and miss (mirrored when lower is better; none when neither is better).

Where this goes beyond the reference (Making Data Count practice, /work/shared/domain.md):

- Limits need at least `MIN_POINTS` (12) points; with fewer the result has no limits, no signals,
  and `message` "too few points for control limits". A segment of fewer than 12 points (only
  possible before the first change) gets no limits or signals of its own.
- Months without data are skipped (a `None`/NaN value is dropped), never treated as zero: the
  moving range runs from the previous month that has data.
- **Changes of process** (`changes`: segment start months, see `event_segment_start`) start a new
  segment only once at least 12 points lie between the change and the next change (or the end).
  Until then the change is *pending*: the segment's limits come from its points before the first
  pending change (when there are at least 12 of them; otherwise from all its points) and extend
  over the points after it, so the change shows up as special cause. A change at or before the
  first point is no boundary. Limits are never recalculated because a signal appeared.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from cjsperf import filters

MIN_POINTS = 12  # points needed for limits (and after a change before the limits are recalculated)
LIMIT = 2.66  # process limits: mean ± 2.66 × mean moving range
NEAR = 2 * LIMIT / 3  # "close to limits" beyond mean ± (2/3) × 2.66 × mean moving range
SCREEN = 3.267  # moving ranges of 3.267 × their mean or more are screened out
RUN = 7  # points in a row for a shift or a trend

SIGNALS = (
    "outside limits",
    "trend",
    "two of three",
    "shift",
)  # the order a point's signal is chosen
BETTER = ("higher", "lower", "neither")
TOO_FEW = "too few points for control limits"

VARIATION_COLOURS = {  # Making Data Count icon colours
    "common cause": "#A6A6A6",
    "special cause improvement": "#00B0F0",
    "special cause concern": "#E46C0A",
    "special cause neutral": "#490092",
}

COLUMNS = [
    "month",
    "value",
    "mean",
    "lower",
    "upper",
    "near_lower",
    "near_upper",
    "signal",
    "special_cause",
    "direction",
    "segment",
]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class SpcResult:
    """An XmR chart: the points with their limits and signals, and what they add up to."""

    points: pd.DataFrame  # COLUMNS, one row per month with data, in month order
    better: str
    target: float | None
    variation: str
    assurance: str
    message: str = ""
    changes: tuple[str, ...] = ()  # segment starts in force (at least 12 points follow each)
    pending: tuple[str, ...] = ()  # changes within the series not yet followed by 12 points
    segments: list[dict] = field(default_factory=list)  # start, end, mean, lower, upper, n

    @property
    def has_limits(self) -> bool:
        return bool(self.points["upper"].notna().any())

    @property
    def latest(self) -> pd.Series | None:
        """The last point (month, value, mean, lower, upper, signal, ...), or None if no data."""
        return self.points.iloc[-1] if len(self.points) else None


def event_segment_start(date: str | dt.date) -> str:
    """The first whole month after an event date, as 'YYYY-MM': where a new segment starts.

    An event on the 1st of a month starts that month (the whole month lies after the change,
    which takes effect from the start of its day); an event on any later day starts the next
    month. '2017-06-12' → '2017-07'; '2017-06-01' → '2017-06'; '2017-12-31' → '2018-01'.
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise ValueError(f"event date {date!r}: expected a date as YYYY-MM-DD") from None
    if isinstance(date, dt.datetime):
        date = date.date()
    if date.day == 1:
        return f"{date.year:04d}-{date.month:02d}"
    year, month = (date.year + 1, 1) if date.month == 12 else (date.year, date.month + 1)
    return f"{year:04d}-{month:02d}"


def process_limits(values: Sequence[float], screen: bool = True) -> dict[str, float]:
    """Mean, mean moving range and limits of consecutive values (R/ptd_spc_standard.R).

    No minimum number of points here (that is `xmr`'s rule): the reference computes limits for
    any group, which is how its 10-point test groups are checked.
    """
    xs = [float(v) for v in values]
    mean = math.fsum(xs) / len(xs)
    mrs = [abs(b - a) for a, b in zip(xs, xs[1:])]
    amr = sum(mrs) / len(mrs) if mrs else math.nan
    if screen and mrs and amr > 0:  # all moving ranges 0: nothing to screen, limits = mean
        kept = [m for m in mrs if m < SCREEN * amr]
        amr = sum(kept) / len(kept)
    return {
        "mean": mean,
        "mean_mr": amr,
        "lower": mean - LIMIT * amr,
        "upper": mean + LIMIT * amr,
        "near_lower": mean - NEAR * amr,
        "near_upper": mean + NEAR * amr,
    }


def _above(a: float, b: float) -> int:
    """1 if a > b, -1 if a < b, 0 if equal up to floating-point rounding (relative 1e-9).

    Rates published to one decimal have exact means (84.8) that floating point computes as
    84.80000000000001; a point at 84.8 is on that mean, and on a limit is not beyond it.
    """
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return 0
    return 1 if a > b else -1


def special_causes(y, mean, lower, upper, near_lower, near_upper) -> list[tuple[str, str]]:
    """Per point of one segment: (signal, direction), ('', '') for common cause.

    Follows R/ptd_calculate_point_type.R (ptd_special_cause_type) for given limits.
    """
    n = len(y)
    rtm = [_above(v, mean) for v in y]  # relative to mean: 1 above, -1 below, 0 on it
    outside = [_above(v, upper) == 1 or _above(v, lower) == -1 for v in y]
    close = [
        not o and (_above(v, near_lower) == -1 or _above(v, near_upper) == 1)
        for v, o in zip(y, outside)
    ]

    # 7 points in a row on one side of the mean (ptd_seven_point_one_side_mean), then every
    # point of such a run (ptd_part_of_seven_trend).
    shift_end = [
        i >= RUN - 1 and rtm[i] != 0 and len(set(rtm[i - RUN + 1 : i + 1])) == 1 for i in range(n)
    ]
    # 7 points in a row each rising (or each falling): 6 steps of one sign, a tie breaks it.
    steps = [_above(y[i], y[i - 1]) for i in range(1, n)]  # steps[i-1]: sign of y[i] - y[i-1]
    trend_end = [
        i >= RUN - 1 and steps[i - RUN + 1] != 0 and len(set(steps[i - RUN + 1 : i])) == 1
        for i in range(n)
    ]

    def part_of(ends):
        return [any(ends[i : i + RUN]) for i in range(n)]

    in_shift, in_trend = part_of(shift_end), part_of(trend_end)

    # 2 of 3 (ptd_two_in_three): a window of 3 consecutive points with at least 2 close to the
    # limits and all 3 on one side of the mean; only the close points are flagged.
    in_two = [False] * n
    for s in range(n - 2):
        if sum(close[s : s + 3]) >= 2 and abs(sum(rtm[s : s + 3])) == 3:
            for i in range(s, s + 3):
                in_two[i] = in_two[i] or close[i]

    out = []
    for i in range(n):
        if outside[i]:
            out.append(("outside limits", "above" if rtm[i] == 1 else "below"))
        elif in_trend[i]:
            # the step to the next point when it is in the trend too, else the step from the last
            nxt = i + 1 < n and in_trend[i + 1]
            step = steps[i] if nxt else (steps[i - 1] if i > 0 else 0)
            out.append(("trend", "rising" if step == 1 else "falling"))
        elif in_two[i]:
            out.append(("two of three", "above" if rtm[i] > 0 else "below"))
        elif in_shift[i]:
            out.append(("shift", "above" if rtm[i] > 0 else "below"))
        else:
            out.append(("", ""))
    return out


def _special_cause(direction: str, better: str) -> str:
    if not direction:
        return ""
    if better == "neither":
        return "neutral"
    up = direction in ("above", "rising")
    return "improvement" if up == (better == "higher") else "concern"


def _check_months(months: Sequence[str]) -> list[str]:
    out = []
    for i, m in enumerate(months):
        text = str(m)[:7] if isinstance(m, str) else ""
        if isinstance(m, dt.date | pd.Timestamp):
            text = f"{m.year:04d}-{m.month:02d}"
        if not _MONTH.fullmatch(text):
            raise ValueError(f"month {i + 1} is {m!r}; expected a month as YYYY-MM")
        out.append(text)
    return out


def xmr(
    months: Sequence[str],
    values: Sequence[float | None],
    *,
    better: str,
    target: float | None = None,
    changes: Sequence[str] = (),
    screen: bool = True,
    shown_within: tuple[float, float] | None = None,
) -> SpcResult:
    """The XmR chart of a monthly series (see the module docstring for every rule).

    months: 'YYYY-MM' (or dates), one per value, any order, each once. values: None or NaN for a
    month with no data (skipped). better: 'higher', 'lower' or 'neither'. target: the value to
    meet, for the assurance. changes: months where a change of process starts a new segment
    (`event_segment_start` of each event date). shown_within: the bounds a value cannot pass (a
    rate's 0 and 100): the points' limits beyond them are given at the bound, as a chart shows
    them; the rules and the assurance use the limits as worked out.
    """
    if better not in BETTER:
        raise ValueError(f"better is {better!r}; expected one of {', '.join(BETTER)}")
    if len(months) != len(values):
        raise ValueError(f"{len(months)} months but {len(values)} values")
    mlist = _check_months(months)
    pairs = {}
    for m, v in zip(mlist, values):
        if m in pairs:
            raise ValueError(f"month {m} is given twice; expected each month once")
        try:
            fv = None if v is None or pd.isna(v) else float(v)
        except (TypeError, ValueError):
            raise ValueError(f"value for {m} is {v!r}; expected a number or nothing") from None
        pairs[m] = fv
    data = sorted((m, v) for m, v in pairs.items() if v is not None)
    ms = [m for m, _ in data]
    ys = [v for _, v in data]
    n = len(ys)
    starts = sorted(set(_check_months(changes)))

    # Changes within the series, and which of them have 12 points before the next change.
    inside = [c for c in starts if ms and ms[0] < c <= ms[-1]]
    in_force, pending = [], []
    for k, c in enumerate(inside):
        nxt = inside[k + 1] if k + 1 < len(inside) else None
        following = sum(1 for m in ms if m >= c and (nxt is None or m < nxt))
        (in_force if following >= MIN_POINTS else pending).append(c)
    segment = [sum(1 for c in in_force if m >= c) for m in ms]

    cols = {c: [math.nan] * n for c in ("mean", "lower", "upper", "near_lower", "near_upper")}
    signal, direction = [""] * n, [""] * n
    segments, short = [], []
    message = ""
    if n < MIN_POINTS:
        message = TOO_FEW
    for s in range(len(in_force) + 1):
        idx = [i for i in range(n) if segment[i] == s]
        if not idx or n < MIN_POINTS:
            continue
        if len(idx) < MIN_POINTS:
            short.append(ms[idx[0]])
            continue
        first_pending = next((c for c in pending if ms[idx[0]] < c <= ms[idx[-1]]), None)
        base = [i for i in idx if first_pending is None or ms[i] < first_pending]
        if len(base) < MIN_POINTS:
            base = idx
        lim = process_limits([ys[i] for i in base], screen=screen)
        for i in idx:
            for c in cols:
                cols[c][i] = lim[c]
        flags = special_causes([ys[i] for i in idx], *(lim[c] for c in cols))
        for i, (sig, d) in zip(idx, flags):
            signal[i], direction[i] = sig, d
        segments.append(
            {"start": ms[idx[0]], "end": ms[idx[-1]], "n": len(idx), "limits_from": len(base)}
            | {c: lim[c] for c in ("mean", "lower", "upper")}
        )
    if short and not message:
        message = f"{TOO_FEW} before {in_force[0]}" if len(short) == 1 and in_force else TOO_FEW

    shown = cols
    if shown_within is not None:
        lo, hi = (float(b) for b in shown_within)  # a limit at a bound stays a float
        shown = {
            c: vals if c == "mean" else [v if v != v else min(max(v, lo), hi) for v in vals]
            for c, vals in cols.items()
        }
    points = pd.DataFrame(
        {
            "month": ms,
            "value": ys,
            **shown,
            "signal": signal,
            "special_cause": [_special_cause(d, better) for d in direction],
            "direction": direction,
            "segment": segment,
        },
        columns=COLUMNS,
    )
    points["segment"] = points["segment"].astype("int64")

    variation, assurance = "", ""
    has = n and not math.isnan(cols["upper"][-1])
    if has:
        sc = points["special_cause"].iloc[-1]
        variation = f"special cause {sc}" if sc else "common cause"
    if target is None:
        assurance = "no target"
    elif has and better != "neither":
        lo, hi = cols["lower"][-1], cols["upper"][-1]
        if target > hi:
            assurance = "consistently fails" if better == "higher" else "consistently passes"
        elif target < lo:
            assurance = "consistently passes" if better == "higher" else "consistently fails"
        else:
            assurance = "hit and miss"
    return SpcResult(
        points=points,
        better=better,
        target=target,
        variation=variation,
        assurance=assurance,
        message=message,
        changes=tuple(in_force),
        pending=tuple(pending),
        segments=segments,
    )


def describe(
    result: SpcResult,
    label: str,
    fmt: Callable[[float], str] = lambda v: f"{v:,.1f}",
    since: str | None = None,
) -> str:
    """A headline that says what the statistics say about the latest point.

    'Conviction rate 86.4%: within its usual range (84.1%–88.7%), no significant change', or
    'Agent share 12.0%: special cause improvement since the ODP, below the lower limit (13.1%)'.
    `since` names the change the signal follows (an event's label); by default the latest
    pending change's month when the latest point comes after it. Never "rose" or "fell".
    """
    last = result.latest
    if last is None:
        return f"{label}: no data"
    head = f"{label} {fmt(last['value'])}"
    if math.isnan(last["upper"]):
        return f"{head}: {TOO_FEW}"
    if not last["signal"]:
        return (
            f"{head}: within its usual range ({fmt(last['lower'])}–{fmt(last['upper'])}), "
            "no significant change"
        )
    if since is None and result.pending and last["month"] >= result.pending[-1]:
        since = filters.month_label(result.pending[-1])
    where = {
        ("outside limits", "above"): f"above the upper limit ({fmt(last['upper'])})",
        ("outside limits", "below"): f"below the lower limit ({fmt(last['lower'])})",
        ("trend", "rising"): "7 or more months in a row rising",
        ("trend", "falling"): "7 or more months in a row falling",
        (
            "two of three",
            "above",
        ): f"2 of the last 3 months near the upper limit ({fmt(last['upper'])})",
        (
            "two of three",
            "below",
        ): f"2 of the last 3 months near the lower limit ({fmt(last['lower'])})",
        ("shift", "above"): f"7 or more months in a row above the mean ({fmt(last['mean'])})",
        ("shift", "below"): f"7 or more months in a row below the mean ({fmt(last['mean'])})",
    }[(last["signal"], last["direction"])]
    return f"{head}: special cause {last['special_cause']}{f' since {since}' if since else ''}, {where}"
