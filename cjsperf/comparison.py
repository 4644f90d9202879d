"""Fair comparison of areas of very different size: the funnel plot of conviction rates.

Every police force area (or every CPS Area) for the chosen crime type and period, its conviction
rate against its number of cases, with the national rate and 95% and 99.8% limits
(`cjsperf.funnel`); over-dispersed units get the adjusted limits, and the view says which are
shown. Pure: the caller passes a function that runs a query. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cjsperf import charts, funnel
from cjsperf.extracts import AREA_FORCES, FLAGS, HOME_AREA
from cjsperf.filters import Filters
from cjsperf.headlines import fmt_value, literal

Run = Callable[..., pd.DataFrame]
LEVELS = {"force": "police force areas", "area": "CPS Areas"}
# What the funnel's rates count (it compares the offence categories' rates, never the headline
# rate): said in its title on screen and in its downloads, from this one wording.
RATE_DEFINITION = "administratively finalised cases left out"
LABELS = {
    "unit": "Unit",
    "cases": "Cases",
    "convictions": "Convictions",
    "conviction_rate": "Conviction rate (%)",
    "lower_95": "Lower 95% limit (%)",
    "upper_95": "Upper 95% limit (%)",
    "lower_998": "Lower 99.8% limit (%)",
    "upper_998": "Upper 99.8% limit (%)",
    "position_95": "Against the 95% limits",
    "position_998": "Against the 99.8% limits",
}


@dataclass(frozen=True)
class FunnelView:
    level: str
    result: funnel.FunnelResult | None
    table: pd.DataFrame  # the rows behind the plot (limits as shown)
    headline: str
    notes: tuple[str, ...]
    figure: charts.Spec | None
    subtitle: str = ""  # the figure's subtitle ('<br>' between its lines)


def _home(level: str, f: Filters) -> tuple[str, ...]:
    if level == "area":
        return (HOME_AREA,)
    return (f.geography,) if f.geography in AREA_FORCES else AREA_FORCES


def headline(points: pd.DataFrame, home: tuple[str, ...]) -> str:
    """Where the Area's units lie against the 99.8% limits, in words."""
    mine = points[points["unit"].isin(home)]
    if mine.empty:
        return "No cases for the West Midlands in the period"
    if len(mine) == 1:
        r = mine.iloc[0]
        where = {"within": "within", "above": "above", "below": "below"}[r["position_998"]]
        rate = fmt_value(r["rate"], "%")  # half-up, as in its table
        return f"{r['unit']} {rate}: {where} the 99.8% limits for its {int(r['n']):,} cases"
    out = mine[mine["position_998"] != "within"]
    if out.empty:
        return f"All {len(mine)} West Midlands forces within the 99.8% limits"
    names = "; ".join(f"{u} {p}" for u, p in zip(out["unit"], out["position_998"]))
    return f"West Midlands forces outside the 99.8% limits: {names}"


def funnel_view(run: Run, f: Filters, level: str = "force", adjust: bool = True) -> FunnelView:
    """The funnel plot for the filters at `level` ('force' or 'area'); `adjust`: show limits
    adjusted for over-dispersion where the units are over-dispersed."""
    if f.crime_type in FLAGS:
        why = (
            f"{f.crime_type} outcomes are in the sample extract for the four West Midlands forces "
            "only: no fair comparison with other areas is possible."
        )
        return FunnelView(level, None, pd.DataFrame(), why, (why,), None)
    df = run(
        "conviction_rate_funnel", crime_type=f.crime_type, start=f.start, end=f.end, level=level
    )
    if df.empty:
        return FunnelView(level, None, df, "No finalised cases in the period", (), None)
    res = funnel.funnel(df["unit"], df["convictions"], df["cases"], p0=float(df["p0"].iloc[0]),
                        adjust=adjust)  # fmt: skip
    units = run("force_areas")
    every = (
        units["force_area"].tolist()
        if level == "force"
        else sorted({f"CPS {a}" for a in units["cps_area"]})
    )
    left_out = [u for u in every if u not in set(df["unit"])]
    home = _home(level, f)
    head = headline(res.points, home)
    notes = [f"Limits shown: {res.limits_label}."]
    if left_out:
        names = ", ".join(literal(u) for u in left_out)  # from force_areas.csv: literal text
        notes.append(f"No cases, so not shown: {names}.")
    table = df[["unit", "cases", "convictions", "conviction_rate"]].merge(
        res.points[
            ["unit", *[c for c in funnel.COLUMNS if c.startswith(("lower", "upper", "position"))]]
        ],
        on="unit",
    )
    n = np.unique(
        np.geomspace(max(1, res.points["n"].min() * 0.8), res.points["n"].max() * 1.25, 80)
    )
    lines = funnel.curve(res.p0, n, tau2=res.tau2 if res.adjusted else 0.0)
    crime = "all crime" if f.crime_type == "All crime" else f.crime_type
    subtitle = (
        f"Conviction rate (%) against cases, each of the {len(res.points)} {LEVELS[level]}, "
        f"{crime} ({RATE_DEFINITION}), {f.period}<br>National rate {res.p0:.1f}%; "
        f"{res.limits_label}"
    )
    fig = charts.funnel_chart(res.points, lines, p0=res.p0, headline=head, subtitle=subtitle,
                              highlight=home)  # fmt: skip
    return FunnelView(level, res, table, head, tuple(notes), fig, subtitle)
