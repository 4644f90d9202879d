"""Funnel plots for a proportion (Spiegelhalter 2005): fair comparison of units of different size.

No Streamlit or Plotly here.

    from cjsperf import funnel
    f = funnel.funnel(units, convictions, cases, p0=national_rate_pct)   # adjust=False by default
    f.points      # unit, events, n, rate (%), lower_95, upper_95, lower_998, upper_998 (the limits
                  #   shown, %), position_95, position_998 ('above' | 'within' | 'below')
    f.overdispersed, f.phi, f.tau2, f.adjusted, f.limits_label   # which limits are shown, in words
    f.left_out    # units with no cases, named
    funnel.curve(f.p0, range(1, 2000), tau2=f.tau2 if f.adjusted else 0)   # lines to draw

**Unadjusted limits** for n cases: p0 ± z·√(p0(1 − p0)/n) with z = 1.959964 (95%) and 3.090232
(99.8%), as percentages clipped to 0–100: the normal approximation PHEindicatormethods uses
(its tests/testthat/testdata_funnel_prop_outputs.csv agrees to about 1e-5).

**Over-dispersion**, as FunnelPlotR does for proportions (R/od_adjustment.R,
R/calculate_limits.R; github.com/nhs-r-community/FunnelPlotR): on the arcsine scale
y = asin√p, s = 1/(2√n), z = (y − asin√p0)/s; the z-scores are winsorised at 10% (values below
the 10th percentile set to it, above the 90th set to it; percentiles as R's `quantile`, type 7,
which is numpy's default 'linear'); φ = mean of the squared winsorised z-scores; when nφ ≥ n − 1
(FunnelPlotR's `tau_func` sets τ² = 0 only when nφ < n − 1), τ² = max(0, (nφ − (n − 1)) /
(Σw − Σw²/Σw)) with w = 1/s²; adjusted limits sin²(asin√p0 ± z·√(s² + τ²)). Here the angle is
kept within 0–π/2 so that a limit below 0% or above 100% is clipped rather than folded back
(FunnelPlotR does not clip; it matters only for very small n). FunnelPlotR centres on
Σevents/Σn; here p0 is what the caller gives (CPS's National row), which is the same when every
unit is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

Z95 = 1.959964
Z998 = 3.090232
WINSORISE = 0.1

COLUMNS = [
    "unit",
    "events",
    "n",
    "rate",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "position_95",
    "position_998",
]


@dataclass(frozen=True)
class FunnelResult:
    points: pd.DataFrame  # COLUMNS, one row per unit with cases, in the order given
    p0: float  # the centre line, %
    phi: float  # over-dispersion ratio (winsorised), 1 = as expected by chance
    tau2: float  # between-unit variance on the arcsine scale; 0 = none detected
    adjusted: bool  # are the limits in `points` the over-dispersion-adjusted ones?
    left_out: list[str] = field(default_factory=list)  # units with no cases

    @property
    def overdispersed(self) -> bool:
        return self.tau2 > 0

    @property
    def limits_label(self) -> str:
        if self.adjusted:
            return (
                "95% and 99.8% limits adjusted for over-dispersion "
                f"(additive random effects, φ = {self.phi:.2f})"
            )
        if self.overdispersed:
            return (
                "95% and 99.8% limits, unadjusted; the units vary more than chance alone "
                f"would make them (φ = {self.phi:.2f}), so adjusted limits are available"
            )
        return "95% and 99.8% limits (no over-dispersion)"


def unadjusted_limits(p0: float, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) in % for n cases around p0 (%), clipped to 0–100."""
    p = p0 / 100
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip((p - half) * 100, 0, 100), np.clip((p + half) * 100, 0, 100)


def adjusted_limits(p0: float, n, z: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) in % on the arcsine scale with between-unit variance tau2 added."""
    centre = math.asin(math.sqrt(p0 / 100))
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(1 / (4 * n) + tau2)
    lo = np.clip(centre - half, 0, math.pi / 2)
    hi = np.clip(centre + half, 0, math.pi / 2)
    return np.sin(lo) ** 2 * 100, np.sin(hi) ** 2 * 100


def overdispersion(
    events: Sequence[float], n: Sequence[float], p0: float, winsorise: float = WINSORISE
) -> tuple[float, float]:
    """(φ, τ²) as FunnelPlotR computes them for proportions (see the module docstring)."""
    e = np.asarray(events, dtype=float)
    nn = np.asarray(n, dtype=float)
    k = len(nn)
    if k == 0:
        return math.nan, 0.0
    s = 1 / (2 * np.sqrt(nn))
    z = (np.arcsin(np.sqrt(e / nn)) - math.asin(math.sqrt(p0 / 100))) / s
    lz, uz = np.quantile(z, winsorise), np.quantile(z, 1 - winsorise)
    wz = np.clip(z, lz, uz)
    phi = float(np.mean(wz**2))
    if k * phi < k - 1:
        return phi, 0.0
    w = 1 / s**2
    denom = w.sum() - (w**2).sum() / w.sum()
    if denom <= 0:
        return phi, 0.0
    return phi, max(0.0, float((k * phi - (k - 1)) / denom))


def _position(rate: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[str]:
    return [
        "above" if r > h else "below" if r < low else "within" for r, low, h in zip(rate, lo, hi)
    ]


def funnel(
    units: Iterable[str],
    events: Iterable[float],
    n: Iterable[float],
    *,
    p0: float | None = None,
    adjust: bool = False,
) -> FunnelResult:
    """Each unit's rate against funnel limits for its number of cases.

    p0: the centre line in % (default Σevents/Σn). adjust: show the over-dispersion-adjusted
    limits; when no over-dispersion is found (τ² = 0) the unadjusted limits are shown and
    `adjusted` is False. Units with n = 0 are left out and
    named in `left_out`; a negative count or more events than cases is a ValueError naming the unit.
    """
    frame = pd.DataFrame({"unit": list(units), "events": list(events), "n": list(n)})
    for r in frame.itertuples():
        if not (r.n >= 0 and 0 <= r.events <= r.n):
            raise ValueError(
                f"{r.unit}: {r.events} events of {r.n} cases; expected 0 ≤ events ≤ cases"
            )
    left_out = frame.loc[frame.n == 0, "unit"].tolist()
    frame = frame[frame.n > 0].reset_index(drop=True)
    if p0 is None:
        p0 = 100 * frame.events.sum() / frame.n.sum() if len(frame) else math.nan
    phi, tau2 = overdispersion(frame.events, frame.n, p0) if len(frame) else (math.nan, 0.0)
    use_adjusted = adjust and tau2 > 0
    rate = 100 * frame.events.to_numpy(float) / frame.n.to_numpy(float)
    frame["rate"] = rate
    for z, tag in ((Z95, "95"), (Z998, "998")):
        lo, hi = (
            adjusted_limits(p0, frame.n, z, tau2)
            if use_adjusted
            else unadjusted_limits(p0, frame.n, z)
        )
        frame[f"lower_{tag}"], frame[f"upper_{tag}"] = lo, hi
        frame[f"position_{tag}"] = _position(rate, lo, hi)
    return FunnelResult(frame[COLUMNS], float(p0), phi, tau2, use_adjusted, left_out)


def curve(p0: float, n: Iterable[float], tau2: float = 0.0) -> pd.DataFrame:
    """The funnel lines to draw: n, lower_95, upper_95, lower_998, upper_998 (%)."""
    ns = np.asarray(list(n), dtype=float)
    out = {"n": ns}
    for z, tag in ((Z95, "95"), (Z998, "998")):
        lo, hi = adjusted_limits(p0, ns, z, tau2) if tau2 > 0 else unadjusted_limits(p0, ns, z)
        out[f"lower_{tag}"], out[f"upper_{tag}"] = lo, hi
    return pd.DataFrame(out)
