"""DataFrame → Plotly figure, one function per kind of chart. Never calls Streamlit.

Every chart follows the Analysis Function guidance: a headline that states the finding and a
subtitle with measure, geography and period; white background, light horizontal gridlines only,
horizontal text, thousands separators; the palette in `cjsperf.theme`. Hover text shows the counts
behind a rate, passed as `hover` columns.
"""

from __future__ import annotations

import html
import textwrap
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


def _plain(text: str) -> str:
    """Text for a Plotly title as it is written: a court or team name from a data file may hold
    '<' or '&', which Plotly would read as its HTML subset (a link, say). Only the line breaks
    (`<br>`) the chart itself puts in stay."""
    return "<br>".join(html.escape(part, quote=False) for part in text.split("<br>"))


def _title(headline: str, subtitle: str) -> dict:
    """Headline in bold, subtitle below in grey; `<br>` in the subtitle starts a new line.

    `_base_layout` places it a fixed number of pixels below the top of the figure (a fixed
    fraction of the height clips a multi-line title on a short chart).
    """
    sub = "<br>".join(
        f"<span style='font-size:14px;color:#505A5F'>{_plain(part)}</span>"
        for part in subtitle.split("<br>")
    )
    return {
        "text": f"<b>{_plain(headline)}</b><br>{sub}",
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "yanchor": "top",
        "yref": "container",
        "font": {"size": 19},
    }


TITLE_TOP_PX = 22  # the title's first line starts this far below the top of the figure


def _top_margin(subtitle: str, legend: bool, headline: str = "") -> int:
    """Room above the plot for the title's lines and, below them, the legend."""
    extra = 24 * headline.count("<br>")  # a headline of two lines
    return TITLE_TOP_PX + 24 + extra + 20 * len(subtitle.split("<br>")) + (34 if legend else 12)


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
        margin={"t": _top_margin(subtitle, legend=len(fig.data) > 1, headline=headline)},
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
        [c for c in (*theme.COMPARISONS, *theme.CATEGORICAL) if c not in given.values()]
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
    small: str | None = None,
) -> go.Figure:
    """Bars by `category` (kept in the frame's order), grouped or stacked by `series`.

    With no series, `highlight` picks categories drawn in dark blue against grey (a focus series).
    `small`: a boolean column marking bars that rest on too few cases, drawn hollow (outline
    only), with no status.
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
                marker=_bar_marker(color, part[small] if small else None),
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


def _bar_marker(color, hollow: pd.Series | None) -> dict:
    """Solid bars, or hollow ones (white fill, coloured outline) where `hollow` is true."""
    if hollow is None or not hollow.any():
        return {"color": color}
    colors = color if isinstance(color, list) else [color] * len(hollow)
    return {
        "color": ["white" if h else c for c, h in zip(colors, hollow)],
        "line": {"color": colors, "width": 2},
    }


def add_subtitle_line(fig: go.Figure, text: str) -> go.Figure:
    """One more grey line under the figure's subtitle (e.g. the months a period covers), with the
    room above the plot grown to hold it."""
    title = fig.layout.title.text or ""
    fig.update_layout(
        title_text=f"{title}<br><span style='font-size:14px;color:#505A5F'>{text}</span>",
        margin_t=(fig.layout.margin.t or _top_margin("", legend=False)) + 20,
    )
    return fig


SAMPLE_MARK = "Sample data — not real CPS figures"
SOURCE_INSET = 4  # px from the figure's left edge to the source line
SOURCE_NAME = "source_line"  # the annotation's name, so it is added once and found again
RIGHT_MARGIN = 48  # px: room for half the last month's tick label ('Mar 2018') at the right edge


def source_text(
    source: str, *, as_at: str = "", produced: str = "", synthetic: bool = False
) -> str:
    """'Source: …. Data as at Mar 2018. Produced 1 Dec 2026.', plain text, the sample mark first."""
    parts = [f"Source: {source.replace('`', '').rstrip('.')}."]
    if as_at:
        parts.append(f"Data as at {as_at}.")
    if produced:
        parts.append(f"Produced {produced}.")
    text = " ".join(parts)
    return f"{SAMPLE_MARK}. {text}" if synthetic else text


def _numbers(values) -> list[float]:
    out = []
    for v in values if values is not None else ():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
            out.append(float(v))
    return out


def left_margin(fig: go.Figure) -> int:
    """px from the figure's left edge to the plot's: the left margin as Plotly's automargin will
    make it, estimated low (the y tick labels and title at half an em a character), so a line
    shifted left by it starts at the figure's edge or just inside it, never outside."""
    layout = fig.layout
    tmpl = layout.template.layout if layout.template else go.Layout()
    margin = layout.margin.l if layout.margin.l is not None else tmpl.margin.l
    margin = 80 if margin is None else margin  # Plotly's default
    y, ty = layout.yaxis, tmpl.yaxis
    if y.visible is False or y.showticklabels is False:
        return int(margin)
    size = y.tickfont.size or ty.tickfont.size or layout.font.size or tmpl.font.size or 12
    traces = [t for t in fig.data if getattr(t, "yaxis", "y") in (None, "y")]
    horizontal = [t for t in traces if getattr(t, "orientation", None) == "h"]
    if y.ticktext:
        labels = [str(t) for t in y.ticktext]
    elif horizontal or (y.type == "category"):
        labels = [str(v) for t in traces for v in (t.y if t.y is not None else ())]
    else:
        nums = [abs(v) for t in traces for v in _numbers(t.y)]
        top = max(nums, default=0.0)
        fmt = y.tickformat if y.tickformat is not None else ty.tickformat
        digits = len(f"{top:,.0f}" if fmt and "," in fmt else f"{top:.0f}")
        decimals = fmt.split(".")[-1][:1] if fmt and "." in fmt else ""
        digits += int(decimals) + 1 if decimals.isdigit() and int(decimals) else 0
        labels = [(y.tickprefix or "") + "8" * digits + (y.ticksuffix or ty.ticksuffix or "")]
    width = max((len(s) for s in labels), default=0) * 0.5 * size + 4
    title = y.title.text if y.title and y.title.text else ""
    if title:
        width += size * 1.1 + (y.title.standoff or ty.title.standoff or 0)
    return int(max(margin, margin + width))


def add_source(
    fig: go.Figure, source: str, *, as_at: str = "", produced: str = "", synthetic: bool = False
) -> go.Figure:
    """The source line (and the sample mark where it applies) in the figure's bottom margin, so
    an image of the chart (the camera button) carries them; margins keep the axis labels."""
    text = source_text(source, as_at=as_at, produced=produced, synthetic=synthetic)
    lines = textwrap.wrap(text, 110)
    body = "<br>".join(html.escape(line, quote=False) for line in lines)
    if synthetic:  # the mark in bold, in the concern colour, so a slide cannot pass it for real
        body = body.replace(
            SAMPLE_MARK, f"<span style='color:#B3400A'><b>{SAMPLE_MARK}</b></span>", 1
        )
    x_title = bool(fig.layout.xaxis.title.text)
    below = 34 + (26 if x_title else 0)  # px under the plot: tick labels, then the axis title
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != SOURCE_NAME]
    # At the figure's left edge, not the plot's: shifted left by the margin (Plotly 7 places an
    # annotation against the plot or an axis only; "container" is for titles and legends).
    fig.add_annotation(
        name=SOURCE_NAME, text=body, showarrow=False, xref="paper", yref="paper", x=0, y=0,
        xanchor="left", yanchor="top", xshift=-left_margin(fig) + SOURCE_INSET, yshift=-below,
        align="left", font={"size": 11, "color": theme.DARK_GREY},
    )  # fmt: skip
    margin = fig.layout.margin
    extra = 15 * len(lines) + 8
    fig.update_layout(
        margin_b=max(margin.b or 0, below + extra), margin_r=max(margin.r or 0, RIGHT_MARGIN)
    )
    if fig.layout.height:  # the plot keeps its height; the figure grows by the source's lines
        fig.update_layout(height=fig.layout.height + extra)
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


def mark_month(fig: go.Figure, month: str, text: str, level: int = 0) -> go.Figure:
    """A subtle dotted vertical line at `month` (an x value: YYYY-MM, or a date on a monthly axis)
    with a small label at the top (`level` 1, 2… lower), for an event such as a plan's launch. On a column chart the value
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
    # In the right part of a chart with a fixed month range, the label runs leftwards (not off it).
    rng = fig.layout.xaxis.range
    left = True
    if rng:
        a, b, at = (pd.Timestamp(str(v)[:10]) for v in (rng[0], rng[1], month))
        left = (at - a) / (b - a) < 0.6 if b > a else True
    fig.add_annotation(
        x=month,
        y=1,
        yref="paper",
        text=_plain(text),  # an event's label from events.csv, as it is written
        showarrow=False,
        xanchor="left" if left else "right",
        yanchor="top",
        xshift=4 if left else -4,
        yshift=-34 * level,  # a second event close by labels below the first
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


# ------------------------------------------------------------------ statistical process control
# Marker shape as well as colour for each kind of point, so colour never carries meaning alone.
SPC_MARKERS = {
    "improvement": ("Special cause improvement", "triangle-up"),
    "concern": ("Special cause concern", "diamond"),
    "neutral": ("Special cause neutral", "square"),
    "": ("Common cause", "circle"),
}


def spc_chart(
    points: pd.DataFrame,
    *,
    headline: str,
    subtitle: str,
    months: Sequence[str],
    y_title: str,
    y_suffix: str = "",
    y_format: str = ",",
    y_prefix: str = "",
    name: str = "",
    icons: str = "",
    comparisons: pd.DataFrame | None = None,
    hover: Sequence[Hover] = (),
    small: Sequence[bool] | None = None,
    height: int = 450,
) -> go.Figure:
    """An XmR chart (NHS "Making Data Count"): the series with each point coloured and shaped by its
    special cause (improvement blue triangle, concern orange diamond, neutral purple square, common
    cause grey circle), the mean, and the process limits dashed, each segment on its own.

    `points`: month (YYYY-MM), value, mean, lower, upper, special_cause, signal, segment, and the
    `hover` columns. `comparisons`: month, series, value, drawn as plain light grey lines (on an
    SPC chart orange only ever means concern). `small`: per point, whether it rests on too few
    cases (drawn hollow, with no status). `icons`: the variation and assurance in words, shown
    above the plot. `months`: every month of the x axis, so a month without data is a gap.
    """
    fig = go.Figure()
    fmt = f"{y_prefix}%{{y:{y_format}}}{y_suffix}"
    if comparisons is not None and len(comparisons):
        for series, part in comparisons.groupby("series", sort=False):
            part = part.set_index("month").reindex(list(months)).rename_axis("month").reset_index()
            fig.add_trace(
                go.Scatter(
                    x=part["month"], y=part["value"], name=str(series), mode="lines",
                    line={"color": theme.FOCUS_GREY, "width": 2}, connectgaps=False,
                    hovertemplate=f"<b>{series}</b><br>%{{x}}: {fmt}<extra></extra>",
                )
            )  # fmt: skip
    pts = points.reset_index(drop=True)
    # Limits and mean per segment, a gap between segments (limits are recalculated there).
    lines: dict[str, list] = {"month": [], "mean": [], "lower": [], "upper": []}
    for _, seg in pts.groupby("segment", sort=True) if len(pts) else []:
        for col in lines:
            lines[col] += [*seg[col].tolist(), None]
    if len(pts) and pts["upper"].notna().any():
        for col, label in (("upper", "Process limits"), ("lower", "Process limits")):
            fig.add_trace(
                go.Scatter(
                    x=lines["month"], y=lines[col], name=label, mode="lines",
                    line={"color": theme.DARK_GREY, "width": 1.5, "dash": "dash"},
                    legendgroup="limits", showlegend=col == "upper", connectgaps=False,
                    hovertemplate=f"{'Upper' if col == 'upper' else 'Lower'} limit: {fmt}"
                    "<extra></extra>",
                )
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=lines["month"], y=lines["mean"], name="Mean", mode="lines",
                line={"color": theme.DARK_GREY, "width": 1.5}, connectgaps=False,
                hovertemplate=f"Mean: {fmt}<extra></extra>",
            )
        )  # fmt: skip
    full = pts.set_index("month").reindex(list(months)).rename_axis("month").reset_index()
    fig.add_trace(
        go.Scatter(
            x=full["month"], y=full["value"], name=name or y_title, mode="lines",
            line={"color": theme.DARK_BLUE, "width": 2}, connectgaps=False, hoverinfo="skip",
            showlegend=False,
        )
    )  # fmt: skip
    kinds = pts["special_cause"].fillna("") if len(pts) else pd.Series(dtype=str)
    hollow = pd.Series(list(small) if small is not None else [False] * len(pts), dtype=bool)
    for kind, (label, symbol) in SPC_MARKERS.items():
        for is_small in (False, True):
            mask = (kinds == kind) & (hollow == is_small) if len(pts) else []
            part = pts[mask] if len(pts) else pts
            if part.empty:
                continue
            colour = theme.SPC[kind or "common"]
            fig.add_trace(
                go.Scatter(
                    x=part["month"], y=part["value"], mode="markers",
                    name=label + (" (too few cases)" if is_small else ""),
                    marker={"color": colour, "size": 9 if kind else 7,
                            "symbol": symbol + ("-open" if is_small else ""),
                            "line": {"color": colour, "width": 2}},
                    customdata=part[[h.column for h in hover]].to_numpy() if hover else None,
                    hovertemplate=_hover_template(
                        f"<b>{label}</b>", "Month", y_title, y_format, y_suffix, hover
                    ).replace("%{y:", f"{y_prefix}%{{y:"),
                )
            )  # fmt: skip
    # The statistics' headline is long: its finding goes on a line of its own, wrapped so that
    # it fits a half-width chart too.
    if len(headline) > 55 and ": " in headline:
        value, finding = headline.split(": ", 1)
        headline = f"{value}:<br>" + "<br>".join(textwrap.wrap(finding, 55))
    _base_layout(fig, headline, subtitle, "Month", y_title, height + 24 * headline.count("<br>"))
    # room for a legend that wraps to a second row on a half-width chart
    fig.update_layout(
        showlegend=True, hovermode="closest", margin_t=fig.layout.margin.t + 26,
        height=fig.layout.height + 26,
    )  # fmt: skip
    fig.update_yaxes(ticksuffix=y_suffix, tickprefix=y_prefix)
    if y_format != ",":
        fig.update_yaxes(tickformat=y_format)
    if icons:  # in the figure, so an exported image keeps them: a line under the subtitle
        add_subtitle_line(fig, icons)
    if len(months):
        # The months shown, half a month either side: an event's label must not widen the axis.
        first = pd.Timestamp(f"{months[0]}-01") - pd.Timedelta(days=16)
        last = pd.Timestamp(f"{months[-1]}-01") + pd.Timedelta(days=16)
        fig.update_xaxes(range=[first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")])
    if len(months) <= 6:
        fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def funnel_chart(
    points: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    p0: float,
    headline: str,
    subtitle: str,
    highlight: Sequence[str] = (),
    x_title: str = "Cases (convictions + unsuccessful)",
    y_title: str = "Conviction rate",
    height: int = 520,
) -> go.Figure:
    """A funnel plot: each unit's rate (`points`: unit, n, rate, position_95, position_998)
    against its number of cases, the overall rate `p0` and the 95% and 99.8% limits (`lines`:
    n, lower_95, upper_95, lower_998, upper_998). Units in `highlight` are dark blue and named;
    the others light grey. Rates in %."""
    fig = go.Figure()
    for tag, label, dash in (("998", "99.8% limits", "dot"), ("95", "95% limits", "dash")):
        for side in ("upper", "lower"):
            fig.add_trace(
                go.Scatter(
                    x=lines["n"], y=lines[f"{side}_{tag}"], mode="lines", name=label,
                    legendgroup=tag, showlegend=side == "upper", hoverinfo="skip",
                    line={"color": theme.DARK_GREY, "width": 1.5, "dash": dash},
                )
            )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[lines["n"].min(), lines["n"].max()], y=[p0, p0], mode="lines",
            name=f"National {p0:.1f}%", line={"color": theme.DARK_GREY, "width": 1.5},
            hoverinfo="skip",
        )
    )  # fmt: skip
    chosen = points["unit"].isin(list(highlight))
    for part, colour, name, text in (
        (points[~chosen], theme.FOCUS_GREY, "Other units", None),
        (points[chosen], theme.DARK_BLUE, "West Midlands", "unit"),
    ):
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["n"], y=part["rate"], mode="markers+text" if text else "markers",
                name=name, text=part["unit"] if text else None, textposition="middle right",
                marker={"color": colour, "size": 11 if text else 8,
                        "line": {"color": "white", "width": 1}},
                customdata=part[["unit", "position_95", "position_998"]].to_numpy(),
                hovertemplate="<b>%{customdata[0]}</b><br>Rate: %{y:.1f}%<br>Cases: %{x:,}"
                "<br>%{customdata[1]} the 95% limits, %{customdata[2]} the 99.8%<extra></extra>",
            )
        )  # fmt: skip
    _base_layout(fig, headline, subtitle, x_title, y_title, height)
    fig.update_layout(showlegend=True, hovermode="closest")
    # Log axis with ticks at 1, 2 and 5 times powers of ten within the range, so labels never crowd.
    ns = lines["n"]
    ticks = [m * 10**e for e in range(0, 8) for m in (1, 2, 5) if ns.min() <= m * 10**e <= ns.max()]
    fig.update_xaxes(type="log", tickformat=",", tickvals=ticks or None)
    fig.update_yaxes(ticksuffix="%", tickformat=".0f")
    lo = min(points["rate"].min(), lines["lower_998"].iloc[-1]) if len(points) else 0
    hi = max(points["rate"].max(), lines["upper_998"].iloc[-1]) if len(points) else 100
    fig.update_yaxes(range=[max(0, lo - 5), min(100, hi + 5)])
    return fig
