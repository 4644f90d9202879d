"""DataFrame → Plotly figure, one function per kind of chart. Never calls Streamlit.

Every chart follows the Analysis Function guidance: a headline that states the finding and a
subtitle with measure, geography and period; white background, light horizontal gridlines only,
horizontal text, thousands separators; the palette in `cjsperf.theme`. Hover text shows the counts
behind a rate, passed as `hover` columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from cjsperf import theme


@dataclass(frozen=True)
class Hover:
    """A column shown in the hover text: `label: value` with a d3 format such as ',' or '.1f'."""

    column: str
    label: str
    fmt: str = ","


def _title(headline: str, subtitle: str) -> dict:
    """Headline in bold, subtitle below in grey; `<br>` in the subtitle starts a new line.

    `_base_layout` places it a fixed number of pixels below the top of the figure (a fixed
    fraction of the height clips a multi-line title on a short chart).
    """
    sub = "<br>".join(
        f"<span style='font-size:14px;color:#505A5F'>{part}</span>"
        for part in subtitle.split("<br>")
    )
    return {
        "text": f"<b>{headline}</b><br>{sub}",
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "yanchor": "top",
        "yref": "container",
        "font": {"size": 19},
    }


TITLE_TOP_PX = 22  # the title's first line starts this far below the top of the figure


def _top_margin(subtitle: str, legend: bool) -> int:
    """Room above the plot for the title's lines and, below them, the legend."""
    return TITLE_TOP_PX + 24 + 20 * len(subtitle.split("<br>")) + (34 if legend else 12)


def _hover_template(
    name_part: str,
    x_label: str,
    y_label: str,
    y_fmt: str,
    suffix: str,
    hover: Sequence[Hover],
    first_custom: int = 0,
) -> str:
    lines = [name_part, f"{x_label}: %{{x}}", f"{y_label}: %{{y:{y_fmt}}}{suffix}"]
    for i, h in enumerate(hover):
        lines.append(f"{h.label}: %{{customdata[{first_custom + i}]:{h.fmt}}}")
    return "<br>".join(line for line in lines if line) + "<extra></extra>"


def _base_layout(
    fig: go.Figure, headline: str, subtitle: str, x_title: str, y_title: str, height: int
) -> go.Figure:
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title={**_title(headline, subtitle), "y": 1 - TITLE_TOP_PX / height},
        height=height,
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"t": _top_margin(subtitle, legend=len(fig.data) > 1)},
    )
    return fig


def line_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    headline: str,
    subtitle: str,
    series: str | None = None,
    x_title: str = "",
    y_title: str = "",
    y_suffix: str = "",
    y_format: str = ",",
    hover: Sequence[Hover] = (),
    colors: Mapping[str, str] | None = None,
    dashed: Sequence[str] = (),
    y_range: Sequence[float] | None = None,
    months: Sequence[str] | None = None,
    height: int = 430,
) -> go.Figure:
    """One line per value of `series` (or a single line), in the order the values first appear.

    With `months` (every YYYY-MM of the period), a month missing from a series leaves a gap in its
    line instead of a straight line drawn across it.
    """
    fig = go.Figure()
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=False))
    given = dict(colors or {})
    palette = iter(
        [c for c in (theme.ORANGE, *theme.CATEGORICAL) if c not in given.values()]
        if len(groups) > 1
        else theme.CATEGORICAL
    )
    for name, part in groups:
        if months is not None:
            part = part.set_index(x).reindex(list(months)).rename_axis(x).reset_index()
        color = given.get(name) if name is not None else theme.DARK_BLUE
        color = color or next(palette)
        fig.add_trace(
            go.Scatter(
                x=part[x],
                y=part[y],
                name=str(name) if name is not None else y_title,
                mode="lines+markers",
                line={"color": color, "width": 3, "dash": "dash" if name in dashed else "solid"},
                marker={"size": 6},
                connectgaps=False,
                customdata=part[[h.column for h in hover]].to_numpy() if hover else None,
                hovertemplate=_hover_template(
                    f"<b>{name}</b>" if name is not None else "",
                    x_title or x,
                    y_title or y,
                    y_format,
                    y_suffix,
                    hover,
                ),
            )
        )
    _base_layout(fig, headline, subtitle, x_title, y_title, height)
    fig.update_layout(showlegend=series is not None, hovermode="closest")
    if y_suffix:
        fig.update_yaxes(ticksuffix=y_suffix)
    if y_format != ",":
        fig.update_yaxes(tickformat=y_format)
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    if months is not None and len(months) <= 6:
        # a few months: one tick per month, not Plotly's daily ticks ("May 3, May 10, ...")
        fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def bar_chart(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    headline: str,
    subtitle: str,
    series: str | None = None,
    horizontal: bool = True,
    stacked: bool = False,
    value_title: str = "",
    category_title: str = "",
    value_suffix: str = "",
    value_prefix: str = "",
    value_format: str = ",",
    hover: Sequence[Hover] = (),
    colors: Mapping[str, str] | None = None,
    highlight: Sequence[str] = (),
    text: bool = True,
    height: int | None = None,
) -> go.Figure:
    """Bars by `category` (kept in the frame's order), grouped or stacked by `series`.

    With no series, `highlight` picks categories drawn in dark blue against grey (a focus series).
    """
    fig = go.Figure()
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=False))
    palette = iter(theme.TWO_SERIES if len(groups) == 2 else theme.CATEGORICAL)
    for name, part in groups:
        if name is None:
            color = (
                [theme.DARK_BLUE if c in highlight else theme.FOCUS_GREY for c in part[category]]
                if highlight
                else theme.DARK_BLUE
            )
        else:
            color = (colors or {}).get(name) or next(palette)
        values, cats = part[value], part[category]
        label_fmt = value_format.replace(",", ",") if value_format else ","
        fig.add_trace(
            go.Bar(
                x=values if horizontal else cats,
                y=cats if horizontal else values,
                orientation="h" if horizontal else "v",
                name=str(name) if name is not None else value_title,
                marker={"color": color},
                text=values if text else None,
                texttemplate=f"{value_prefix}%{{{'x' if horizontal else 'y'}:{label_fmt}}}"
                f"{value_suffix}"
                if text
                else None,
                textposition="auto",
                insidetextanchor="end",
                customdata=part[[h.column for h in hover]].to_numpy() if hover else None,
                hovertemplate=(
                    (f"<b>{name}</b><br>" if name is not None else "")
                    + f"%{{{'y' if horizontal else 'x'}}}<br>{value_title or value}: {value_prefix}"
                    f"%{{{'x' if horizontal else 'y'}:{value_format}}}{value_suffix}"
                    + "".join(
                        f"<br>{h.label}: %{{customdata[{i}]:{h.fmt}}}" for i, h in enumerate(hover)
                    )
                    + "<extra></extra>"
                ),
            )
        )
    n_cats = df[category].nunique() if len(df) else 1
    auto_height = max(300, 130 + n_cats * (34 if series is None or stacked else 22 * len(groups)))
    _base_layout(
        fig,
        headline,
        subtitle,
        value_title if horizontal else category_title,
        category_title if horizontal else value_title,
        height or (auto_height if horizontal else 430),
    )
    fig.update_layout(
        barmode="stack" if stacked else "group",
        showlegend=series is not None,
        hovermode="closest",
    )
    value_axis = fig.update_xaxes if horizontal else fig.update_yaxes
    value_axis(ticksuffix=value_suffix, tickprefix=value_prefix, tickformat=value_format)
    if horizontal:
        fig.update_yaxes(autorange="reversed", showgrid=False)
        fig.update_xaxes(showgrid=True, gridcolor=theme.GRID)
    return fig


def add_subtitle_line(fig: go.Figure, text: str) -> go.Figure:
    """One more grey line under the figure's subtitle (e.g. the months a period covers), with the
    room above the plot grown to hold it."""
    title = fig.layout.title.text or ""
    fig.update_layout(
        title_text=f"{title}<br><span style='font-size:14px;color:#505A5F'>{text}</span>",
        margin_t=(fig.layout.margin.t or _top_margin("", legend=False)) + 20,
    )
    return fig


def sparkline(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str = theme.DARK_BLUE,
    y_suffix: str = "",
    y_format: str = ",",
    months: Sequence[str] | None = None,
) -> go.Figure:
    """A small trend line with no axes, for an overview tile; the last point is marked.

    `x` holds months (YYYY-MM). Points sit at their month on a date axis spanning `months` (by
    default the 12 months ending with the last one in `df`), so a month with no value is a gap,
    not a join, and 9 months of data cover 9/12 of the tile.
    """
    from cjsperf.filters import shift_month

    have = df[[x, y]].dropna(subset=[x]).copy()
    have[x] = have[x].astype(str).str[:7]
    if months is None:
        last = have[x].max() if len(have) else None
        months = [shift_month(last, n) for n in range(-11, 1)] if last else []
    by_month = dict(zip(have[x], have[y]))
    ys = [None if pd.isna(by_month.get(m)) else by_month[m] for m in months]
    xs = [f"{m}-01" for m in months]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            connectgaps=False,
            line={"color": color, "width": 2},
            hovertemplate=f"%{{x|%b %Y}}: %{{y:{y_format}}}{y_suffix}<extra></extra>",
        )
    )
    shown = [(a, b) for a, b in zip(xs, ys) if b is not None]
    if shown:
        fig.add_trace(
            go.Scatter(
                x=[shown[-1][0]],
                y=[shown[-1][1]],
                mode="markers",
                marker={"color": color, "size": 7},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        height=70,
        margin={"l": 0, "r": 0, "t": 4, "b": 4},
        showlegend=False,
        xaxis={"visible": False, "type": "date", "range": [xs[0], xs[-1]] if xs else None},
        yaxis={"visible": False},
    )
    return fig


def mark_month(fig: go.Figure, month: str, text: str) -> go.Figure:
    """A subtle dotted vertical line at `month` (an x value: YYYY-MM, or a date on a monthly axis)
    with a small label at the top, for an event such as a plan's launch. On a column chart the value
    axis gets headroom (stacked totals and any target line included) so the label clears the bars."""
    columns = [t for t in fig.data if t.type == "bar" and t.orientation != "h" and t.y is not None]
    if columns:
        totals: dict = {}
        for t in columns:
            for x, y in zip(t.x, t.y):
                totals[x] = totals.get(x, 0) + (y if y == y and y is not None else 0)
        lines = [s.y0 for s in fig.layout.shapes if s.y0 is not None and s.yref == "y"]
        top = max([*totals.values(), *lines, 0])
        if top > 0:
            fig.update_yaxes(range=[0, top * 1.3])
    fig.add_vline(
        x=month, line={"color": theme.DARK_GREY, "width": 1, "dash": "dot"}, layer="below"
    )
    fig.add_annotation(
        x=month,
        y=1,
        yref="paper",
        text=text,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        xshift=4,
        align="left",
        font={"size": 12, "color": "#505A5F"},
        bgcolor="rgba(255,255,255,0.85)",
    )
    return fig


def target_line(fig: go.Figure, value: float, text: str, *, horizontal: bool = False) -> go.Figure:
    """A dashed line at a target value, labelled with `text` (say what the target is and its value).

    On a horizontal bar chart (`horizontal=True`) the line is vertical, at x = value.
    """
    line = {"color": theme.DARK_GREY, "width": 2, "dash": "dash"}
    font = {"size": 13, "color": theme.DARK_GREY}
    if horizontal:
        fig.add_vline(
            x=value,
            line=line,
            annotation_text=text,
            annotation_position="top right",
            annotation_font=font,
        )
    else:
        fig.add_hline(
            y=value,
            line=line,
            annotation_text=text,
            annotation_position="top left",
            annotation_font=font,
            annotation_bgcolor="rgba(255,255,255,0.85)",
        )
    return fig


def month_ticks(fig: go.Figure, months: Sequence[str]) -> go.Figure:
    """On a monthly chart of a few months (YYYY-MM x values), one tick per month labelled 'Mar 2018'
    instead of Plotly's daily or hourly ticks; as `line_chart` does when given `months`."""
    if 0 < len(months) <= 6:
        fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig
