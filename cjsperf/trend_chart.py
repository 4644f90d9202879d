"""A measure's trend as a statistical process control chart: `cjsperf.trends.Trend` → Plotly figure.

The series with its mean, process limits and special causes (`charts.spc_chart`), the target line
where one applies, the measure's events marked, points resting on too few cases hollow, and the
variation and assurance icons with their words in the figure itself (so an exported image keeps
them). Never calls Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cjsperf import charts, icons
from cjsperf.charts import Hover
from cjsperf.events import mark_events
from cjsperf.headlines import FEW_CASES
from cjsperf.trends import Trend


def axis(unit: str) -> dict[str, str]:
    """Axis prefix, suffix and d3 format for a unit."""
    if unit == "%":
        return {"y_suffix": "%", "y_format": ".1f", "y_prefix": ""}
    if unit == "£":
        return {"y_suffix": "", "y_format": ",.0f", "y_prefix": "£"}
    return {"y_suffix": "", "y_format": ",", "y_prefix": ""}


def trend_figure(
    t: Trend,
    *,
    subtitle: str,
    y_title: str = "",
    hover: Sequence[Hover] = (),
    comparisons: pd.DataFrame | None = None,
    headline: str | None = None,
) -> charts.Spec:
    """The SPC chart of `t`; `comparisons` (month, series, value) are drawn as light grey lines."""
    m = t.measure
    pts = t.result.points
    small = None
    if m.base_columns and len(pts):
        n_by_month = t.bases
        small = [
            (n := n_by_month.get(str(mo))) is not None and n < FEW_CASES for mo in pts["month"]
        ]
    extra = pts
    if hover and len(pts):
        cols = [h.column for h in hover if h.column in t.data]
        extra = pts.merge(t.data[["month", *cols]], on="month", how="left")
        hover = [h for h in hover if h.column in t.data]
    fig = charts.spc_chart(
        extra,
        headline=headline or t.headline,
        subtitle=subtitle,
        months=t.months,
        y_title=y_title or m.label,
        name=t.label,
        icons=icons.plotly_icons(t),
        comparisons=comparisons,
        hover=hover,
        small=small,
        **axis(m.unit),
    )
    if t.target is not None:
        charts.target_line(fig, t.target, m.text)
    return mark_events(fig, t.months, t.events, m.key)
