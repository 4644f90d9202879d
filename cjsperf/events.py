"""Events that time charts mark, so a change in a trend can be read against what the Area did.

From the domain notes: the Operational Delivery Plan (ODP) launched on 25 September 2017 and
training on task management and value for money followed in October 2017.
"""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

from cjsperf import charts

ODP_DATE = "2017-09-25"
ODP_TEXT = "ODP launched 25 Sep 2017 /<br>training Oct 2017"


def mark_odp(fig: go.Figure, months: Iterable[str]) -> go.Figure:
    """Mark the ODP launch on a monthly chart whose x values are `months` (YYYY-MM, which Plotly
    reads as dates), when the chart shows the months either side of it."""
    if {"2017-09", "2017-10"} <= set(months):
        charts.mark_month(fig, ODP_DATE, ODP_TEXT)
    return fig
