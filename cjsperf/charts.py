"""DataFrame → Plotly figure, one function per kind of chart. Never calls Streamlit.

A figure is a `Spec`: the plain JSON-ready dict Plotly.js draws (`{"data": [...], "layout":
{...}}`), written out whole in one pass. Building it through Plotly's Python objects (a validation
on every `update_layout`, `add_trace`, `add_hline`) cost about 0.1 s a chart, more than the queries
behind it; `plotly.graph_objects.Figure(spec)` validates a spec (the tests do it for every chart).

Every chart follows the Analysis Function guidance: a headline that states the finding and a
subtitle with measure, geography and period; white background, light horizontal gridlines only,
horizontal text, thousands separators; the palette in `cjsperf.theme`. Hover text shows the counts
behind a rate, passed as `hover` columns.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cjsperf import theme

Spec = dict  # a figure as Plotly.js takes it: {"data": [trace, ...], "layout": {...}}


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _value(v):
    """One value as JSON-ready Python: NaN/NA → None, NumPy → Python, a date → ISO text."""
    if isinstance(v, np.generic):
        v = v.item()
    if _missing(v):
        return None
    if isinstance(v, pd.Timestamp | np.datetime64):
        return pd.Timestamp(v).isoformat()
    return v


def values(data) -> list:
    """A column (Series, array, list) as a JSON-ready list."""
    items = data.tolist() if hasattr(data, "tolist") else list(data)
    return [_value(v) for v in items]


def customdata(part: pd.DataFrame, columns: Sequence[str]) -> list[list] | None:
    """The hover columns as Plotly's customdata: one list per point."""
    if not columns:
        return None
    return [list(row) for row in zip(*(values(part[c]) for c in columns))]


def _trace(kind: str, **props) -> dict:
    """A trace dict without the properties left unset (None)."""
    return {"type": kind, **{k: v for k, v in props.items() if v is not None}}


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


SUBTITLE_CHARS = 100  # a grey 14 px line of 100 characters is about 700 px wide: it fits a chart
# drawn across the page on a 1280 px screen with the sidebar open (a longer one ran off the edge)


def wrap_subtitle(text: str) -> str:
    """Each `<br>` line of a subtitle wrapped at SUBTITLE_CHARS, the pieces joined by `<br>`."""
    return "<br>".join(
        "<br>".join(textwrap.wrap(part, SUBTITLE_CHARS, break_on_hyphens=False) or [""])
        for part in text.split("<br>")
    )


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


def _grow(layout: dict, px: int) -> None:
    """The figure `px` taller above or below its plot, the plot keeping its height; the title
    stays TITLE_TOP_PX below the top (its y is a fraction of the figure's height)."""
    layout["height"] += px
    if "y" in (layout.get("title") or {}):
        layout["title"]["y"] = 1 - TITLE_TOP_PX / layout["height"]


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


def _layout(
    headline: str, subtitle: str, x_title: str, y_title: str, height: int, *, legend: bool
) -> dict:
    """The layout every chart starts from: the theme, the title, axis titles, height, top margin."""
    wrapped = wrap_subtitle(subtitle)
    height += 20 * (wrapped.count("<br>") - subtitle.count("<br>"))  # the plot keeps its height
    subtitle = wrapped
    return {
        "template": theme.TEMPLATE,
        "title": {**_title(headline, subtitle), "y": 1 - TITLE_TOP_PX / height},
        "height": height,
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "margin": {"t": _top_margin(subtitle, legend=legend, headline=headline)},
    }


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
) -> Spec:
    """One line per value of `series` (or a single line), in the order the values first appear.

    With `months` (every YYYY-MM of the period), a month missing from a series leaves a gap in its
    line instead of a straight line drawn across it.
    """
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=False))
    given = dict(colors or {})
    palette = iter(
        [c for c in (*theme.COMPARISONS, *theme.CATEGORICAL) if c not in given.values()]
        if len(groups) > 1
        else theme.CATEGORICAL
    )
    data = []
    for name, part in groups:
        if months is not None:
            part = part.set_index(x).reindex(list(months)).rename_axis(x).reset_index()
        color = given.get(name) if name is not None else theme.DARK_BLUE
        color = color or next(palette)
        data.append(
            _trace(
                "scatter",
                x=values(part[x]),
                y=values(part[y]),
                name=str(name) if name is not None else y_title,
                mode="lines+markers",
                line={"color": color, "width": 3, "dash": "dash" if name in dashed else "solid"},
                marker={"size": 6},
                connectgaps=False,
                customdata=customdata(part, [h.column for h in hover]),
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
    layout = _layout(headline, subtitle, x_title, y_title, height, legend=len(data) > 1)
    layout.update(showlegend=series is not None, hovermode="closest")
    yaxis = layout["yaxis"]
    if y_suffix:
        yaxis["ticksuffix"] = y_suffix
    if y_format != ",":
        yaxis["tickformat"] = y_format
    if y_range is not None:
        yaxis["range"] = list(y_range)
    if months is not None and len(months) <= 6:
        # a few months: one tick per month, not Plotly's daily ticks ("May 3, May 10, ...")
        layout["xaxis"].update(dtick="M1", tickformat="%b %Y")
    return {"data": data, "layout": layout}


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
) -> Spec:
    """Bars by `category` (kept in the frame's order), grouped or stacked by `series`.

    With no series, `highlight` picks categories drawn in dark blue against grey (a focus series).
    `small`: a boolean column marking bars that rest on too few cases, drawn hollow (outline
    only), with no status.
    """
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=False))
    palette = iter(theme.TWO_SERIES if len(groups) == 2 else theme.CATEGORICAL)
    v_axis, c_axis = ("x", "y") if horizontal else ("y", "x")
    label_fmt = value_format or ","
    data = []
    for name, part in groups:
        if name is None:
            color = (
                [theme.DARK_BLUE if c in highlight else theme.FOCUS_GREY for c in part[category]]
                if highlight
                else theme.DARK_BLUE
            )
        else:
            color = (colors or {}).get(name) or next(palette)
        vals, cats = values(part[value]), values(part[category])
        data.append(
            _trace(
                "bar",
                x=vals if horizontal else cats,
                y=cats if horizontal else vals,
                orientation="h" if horizontal else "v",
                name=str(name) if name is not None else value_title,
                marker=_bar_marker(color, part[small] if small else None),
                text=[None if v is None else str(v) for v in vals] if text else None,
                texttemplate=f"{value_prefix}%{{{v_axis}:{label_fmt}}}{value_suffix}"
                if text
                else None,
                textposition="auto",
                insidetextanchor="end",
                customdata=customdata(part, [h.column for h in hover]),
                hovertemplate=(
                    (f"<b>{name}</b><br>" if name is not None else "")
                    + f"%{{{c_axis}}}<br>{value_title or value}: {value_prefix}"
                    f"%{{{v_axis}:{value_format}}}{value_suffix}"
                    + "".join(
                        f"<br>{h.label}: %{{customdata[{i}]:{h.fmt}}}" for i, h in enumerate(hover)
                    )
                    + "<extra></extra>"
                ),
            )
        )
    n_cats = df[category].nunique() if len(df) else 1
    auto_height = max(300, 130 + n_cats * (34 if series is None or stacked else 22 * len(groups)))
    layout = _layout(
        headline,
        subtitle,
        value_title if horizontal else category_title,
        category_title if horizontal else value_title,
        height or (auto_height if horizontal else 430),
        legend=len(data) > 1,
    )
    layout.update(
        barmode="stack" if stacked else "group",
        showlegend=series is not None,
        hovermode="closest",
    )
    layout[f"{v_axis}axis"].update(
        ticksuffix=value_suffix, tickprefix=value_prefix, tickformat=value_format
    )
    if horizontal:
        layout["yaxis"].update(autorange="reversed", showgrid=False)
        layout["xaxis"].update(showgrid=True, gridcolor=theme.GRID)
    return {"data": data, "layout": layout}


def _bar_marker(color, hollow: pd.Series | None) -> dict:
    """Solid bars, or hollow ones (white fill, coloured outline) where `hollow` is true."""
    if hollow is None or not hollow.any():
        return {"color": color}
    colors = color if isinstance(color, list) else [color] * len(hollow)
    return {
        "color": ["white" if h else c for c, h in zip(colors, hollow)],
        "line": {"color": colors, "width": 2},
    }


def add_subtitle_line(fig: Spec, text: str) -> Spec:
    """One more grey line under the figure's subtitle (e.g. the months a period covers), with the
    room above the plot grown to hold it."""
    layout = fig["layout"]
    title = layout.setdefault("title", {})
    lines = [text] if "<" in text else wrap_subtitle(text).split("<br>")  # markup: as it is
    title["text"] = (title.get("text") or "") + "".join(
        f"<br><span style='font-size:14px;color:#505A5F'>{line}</span>" for line in lines
    )
    margin = layout.setdefault("margin", {})
    margin["t"] = (margin.get("t") or _top_margin("", legend=False)) + 20 * len(lines)
    if layout.get("height"):  # the plot keeps its height
        _grow(layout, 20 * len(lines))
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


def _numbers(vals) -> list[float]:
    out = []
    for v in vals if vals is not None else ():
        if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
            out.append(float(v))
    return out


def _get(d: Mapping | None, *path, default=None):
    """d[path[0]][path[1]]…, or `default` where a step is missing."""
    for key in path:
        if not isinstance(d, Mapping) or d.get(key) is None:
            return default
        d = d[key]
    return d


# Advance widths of the printable ASCII characters (32-126) in Arial, in thousandths of an em: the
# font the theme names, and its metric twin Liberation Sans, which browsers on Linux draw instead.
_ARIAL = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 "
    "556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 "
    "260 334 584"
)
_WIDTHS = {chr(32 + i): int(w) for i, w in enumerate(_ARIAL.split())}
_WIDTHS.update({"£": 556, "–": 556, "−": 584, "—": 1000, "’": 222, "‘": 222, "…": 1000})
_WIDE = 1015  # a character not in the table is taken as wide as the widest there ('@')


def text_px(text: str, size: float) -> float:
    """The width in px of one line of `text` drawn in Arial at `size` px (tags left out)."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return sum(_WIDTHS.get(ch, _WIDE) for ch in plain) * size / 1000


def _tick_labels(y: Mapping, ty: Mapping, traces: list, shapes: Sequence = ()) -> list[str]:
    """The y axis' widest possible tick labels: its own texts, its categories, or a number with
    as many digits as the end of its range (the axis' own, else the data's and its lines', a
    target's, with the 5% Plotly's autorange adds): every digit is as wide as any other. Below 10,
    a format without decimals still gets ticks such as 0.5 or 2.5."""
    if y.get("ticktext"):
        return [str(t) for t in y["ticktext"]]
    if any(t.get("orientation") == "h" for t in traces) or y.get("type") == "category":
        return [str(v) for t in traces for v in (t.get("y") or ())]
    rng = _numbers(y.get("range")) if y.get("range") else []
    lines = [
        v for sh in shapes if sh.get("yref") == "y" for v in _numbers([sh.get("y0"), sh.get("y1")])
    ]
    nums = rng or [v * 1.05 for t in traces for v in _numbers(t.get("y"))] + [
        v * 1.05 for v in lines
    ]
    if any(t.get("type") == "bar" for t in traces) or not rng:
        nums.append(0.0)
    top = max((abs(v) for v in nums), default=0.0)  # no tick is longer than the range's end
    fmt = y["tickformat"] if y.get("tickformat") is not None else ty.get("tickformat")
    decimals = fmt.split(".")[-1][:1] if fmt and "." in fmt else ""
    places = int(decimals) if decimals.isdigit() else (1 if 0 < top < 10 else 0)
    number = f"{top:,.{places}f}" if fmt and "," in fmt else f"{top:.{places}f}"
    sign = "−" if any(v < 0 for v in nums) else ""
    return [
        (y.get("tickprefix") or "")
        + sign
        + number
        + (y.get("ticksuffix") or ty.get("ticksuffix") or "")
    ]


# px Plotly's automargin adds to the widest y tick label, title or not (the title sits in it: 32
# px), and 4 px to spare
Y_AXIS_PX = 36


def left_margin(fig: Spec) -> int:
    """px from the figure's left edge to the plot's: room for the y axis' widest tick label and
    its title. `add_source` sets it as the left margin, so Plotly's automargin finds it wide enough
    and does not draw the chart a second time (which made a chart ~40% slower to draw); where a
    label is wider after all, automargin still makes room."""
    layout = fig["layout"]
    tmpl = _get(layout, "template", "layout", default={})
    margin = _get(layout, "margin", "l", default=_get(tmpl, "margin", "l", default=80))
    y, ty = layout.get("yaxis") or {}, tmpl.get("yaxis") or {}
    if y.get("visible") is False or y.get("showticklabels") is False:
        return int(margin)
    size = (
        _get(y, "tickfont", "size")
        or _get(ty, "tickfont", "size")
        or _get(layout, "font", "size")
        or _get(tmpl, "font", "size")
        or 12
    )
    traces = [t for t in fig["data"] if t.get("yaxis") in (None, "y")]
    labels = _tick_labels(y, ty, traces, layout.get("shapes") or ())
    width = max((text_px(s, size) for s in labels), default=0)
    return int(max(margin, width + Y_AXIS_PX + 0.999))


def add_source(
    fig: Spec, source: str, *, as_at: str = "", produced: str = "", synthetic: bool = False
) -> Spec:
    """The source line (and the sample mark where it applies) in the figure's bottom margin, so
    an image of the chart (the camera button) carries them; the margins keep the axis labels (the
    left one wide enough for the y axis' labels and title, `left_margin`)."""
    text = source_text(source, as_at=as_at, produced=produced, synthetic=synthetic)
    lines = textwrap.wrap(text, 110)
    body = "<br>".join(html.escape(line, quote=False) for line in lines)
    if synthetic:  # the mark in bold, in the concern colour, so a slide cannot pass it for real
        body = body.replace(
            SAMPLE_MARK, f"<span style='color:#B3400A'><b>{SAMPLE_MARK}</b></span>", 1
        )
    layout = fig["layout"]
    x_title = bool(_get(layout, "xaxis", "title", "text"))
    below = 34 + (26 if x_title else 0)  # px under the plot: tick labels, then the axis title
    notes = [a for a in layout.get("annotations", ()) if a.get("name") != SOURCE_NAME]
    margin = layout.setdefault("margin", {})
    margin["l"] = left = left_margin(fig)  # wide enough for the y labels: drawn once, not twice
    # At the figure's left edge, not the plot's: shifted left by the margin (Plotly 7 places an
    # annotation against the plot or an axis only; "container" is for titles and legends).
    notes.append({
        "name": SOURCE_NAME, "text": body, "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
        "xshift": -left + SOURCE_INSET, "yshift": -below, "align": "left",
        "font": {"size": 11, "color": theme.DARK_GREY},
    })  # fmt: skip
    layout["annotations"] = notes
    extra = 15 * len(lines) + 8
    margin["b"] = max(margin.get("b") or 0, below + extra)
    margin["r"] = max(margin.get("r") or 0, RIGHT_MARGIN)
    if layout.get("height"):  # the plot keeps its height; the figure grows by the source's lines
        _grow(layout, extra)
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
) -> Spec:
    """A small trend line with no axes, for an overview tile; the last point is marked.

    `x` holds months (YYYY-MM). Points sit at their month on a date axis spanning `months` (by
    default the 12 months ending with the last one in `df`), so a month with no value is a gap,
    not a join, and 9 months of data cover 9/12 of the tile.
    """
    from cjsperf.filters import shift_month

    # plain lists: a dozen points (pandas' per-call overhead cost ~5 ms a sparkline)
    by_month = {
        str(m)[:7]: v for m, v in zip(df[x].tolist(), values(df[y])) if m is not None and m == m
    }
    if months is None:
        last = max(by_month) if by_month else None
        months = [shift_month(last, n) for n in range(-11, 1)] if last else []
    ys = [by_month.get(m) for m in months]
    xs = [f"{m}-01" for m in months]
    data = [
        _trace(
            "scatter", x=xs, y=ys, mode="lines", connectgaps=False,
            line={"color": color, "width": 2},
            hovertemplate=f"%{{x|%b %Y}}: %{{y:{y_format}}}{y_suffix}<extra></extra>",
        )
    ]  # fmt: skip
    shown = [(a, b) for a, b in zip(xs, ys) if b is not None]
    if shown:
        data.append(
            _trace(
                "scatter", x=[shown[-1][0]], y=[shown[-1][1]], mode="markers",
                marker={"color": color, "size": 7}, hoverinfo="skip",
            )
        )  # fmt: skip
    xaxis = {"visible": False, "type": "date"}
    if xs:
        xaxis["range"] = [xs[0], xs[-1]]
    layout = {
        "template": theme.TEMPLATE,
        "height": 70,
        "margin": {"l": 0, "r": 0, "t": 4, "b": 4},
        "showlegend": False,
        "xaxis": xaxis,
        "yaxis": {"visible": False},
    }
    return {"data": data, "layout": layout}


def _add(fig: Spec, kind: str, item: dict) -> None:
    """Append a shape or an annotation (`kind`: 'shapes', 'annotations') to the layout."""
    fig["layout"].setdefault(kind, []).append(item)


LABEL_LINE_PX = 16  # an event label's line (12px text)
LEVEL_PX = 34  # how much lower each further label of events close together sits


def _headroom(fig: Spec, lines: int, level: int) -> None:
    """On a line chart, a value axis that leaves room at the top of the plot for an event's label
    (`lines` lines, `level` labels down), so it never sits on the data, a process limit or the
    target line. The plot's height is estimated from the figure's (less its top margin and about
    60 px for the month axis); the axis only ever grows."""
    layout = fig["layout"]
    ys = [v for t in fig["data"] if t.get("type") != "bar" for v in _numbers(t.get("y"))]
    ys += [
        float(s["y0"]) for s in layout.get("shapes", ())
        if s.get("yref") == "y" and _numbers([s.get("y0")])
    ]  # fmt: skip
    if not ys:
        return
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or abs(hi) or 1.0
    bottom = lo - 0.05 * span
    if lo >= 0:
        bottom = max(0.0, bottom)
    plot_px = max(120, (layout.get("height") or 450) - (_get(layout, "margin", "t") or 100) - 60)
    room = min(0.6, (LABEL_LINE_PX * lines + 12 + LEVEL_PX * level) / plot_px)
    top = bottom + (hi - bottom) / (1 - room)
    rng = _get(layout, "yaxis", "range")
    if rng:
        bottom, top = min(bottom, rng[0]), max(top, rng[1])
    layout.setdefault("yaxis", {})["range"] = [bottom, top]


def mark_month(fig: Spec, month: str, text: str, level: int = 0) -> Spec:
    """A subtle dotted vertical line at `month` (an x value: YYYY-MM, or a date on a monthly axis)
    with a small label at the top (`level` 1, 2… lower), for an event such as a plan's launch. On a column chart the value
    axis gets headroom (stacked totals and any target line included) so the label clears the bars."""
    layout = fig["layout"]
    columns = [
        t for t in fig["data"]
        if t.get("type") == "bar" and t.get("orientation") != "h" and t.get("y") is not None
    ]  # fmt: skip
    if columns:
        totals: dict = {}
        for t in columns:
            for x, y in zip(t["x"], t["y"]):
                totals[x] = totals.get(x, 0) + (y if y is not None and y == y else 0)
        lines = [
            s["y0"] for s in layout.get("shapes", ()) if s.get("y0") is not None and s.get("yref") == "y"
        ]  # fmt: skip
        top = max([*totals.values(), *lines, 0])
        if top > 0:
            layout.setdefault("yaxis", {})["range"] = [0, top * 1.3]
    else:
        _headroom(fig, text.count("<br>") + 1, level)
    _add(fig, "shapes", {
        "type": "line", "x0": month, "x1": month, "xref": "x", "y0": 0, "y1": 1,
        "yref": "y domain", "line": {"color": theme.DARK_GREY, "width": 1, "dash": "dot"},
        "layer": "below",
    })  # fmt: skip
    # In the right part of a chart with a fixed month range, the label runs leftwards (not off it).
    rng = _get(layout, "xaxis", "range")
    left = True
    if rng:
        a, b, at = (pd.Timestamp(str(v)[:10]) for v in (rng[0], rng[1], month))
        left = (at - a) / (b - a) < 0.6 if b > a else True
    _add(fig, "annotations", {
        "x": month, "y": 1, "yref": "paper",
        "text": _plain(text),  # an event's label from events.csv, as it is written
        "showarrow": False, "xanchor": "left" if left else "right", "yanchor": "top",
        "xshift": 4 if left else -4,
        "yshift": -LEVEL_PX * level,  # a second event close by labels below the first
        "align": "left", "font": {"size": 12, "color": "#505A5F"},
        "bgcolor": "rgba(255,255,255,0.85)",
    })  # fmt: skip
    return fig


def target_line(fig: Spec, value: float, text: str, *, horizontal: bool = False) -> Spec:
    """A dashed line at a target value, labelled with `text` (say what the target is and its value).

    On a horizontal bar chart (`horizontal=True`) the line is vertical, at x = value, behind the
    bars and their value labels, with its label above the plot.
    """
    line = {"color": theme.DARK_GREY, "width": 2, "dash": "dash"}
    font = {"size": 13, "color": theme.DARK_GREY}
    if horizontal:
        _add(fig, "shapes", {
            "type": "line", "x0": value, "x1": value, "xref": "x", "y0": 0, "y1": 1,
            "yref": "y domain", "line": line, "layer": "below",
        })  # fmt: skip
        _add(fig, "annotations", {
            "text": text, "showarrow": False, "font": font, "x": value, "xref": "x",
            "xanchor": "left", "y": 1, "yref": "y domain", "yanchor": "bottom",
        })  # fmt: skip
    else:
        _add(fig, "shapes", {
            "type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": value, "y1": value,
            "yref": "y", "line": line,
        })  # fmt: skip
        _add(fig, "annotations", {
            "text": text, "showarrow": False, "font": font, "x": 0, "xref": "x domain",
            "xanchor": "left", "y": value, "yref": "y", "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
        })  # fmt: skip
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
) -> Spec:
    """An XmR chart (NHS "Making Data Count"): the series with each point coloured and shaped by its
    special cause (improvement blue triangle, concern orange diamond, neutral purple square, common
    cause grey circle), the mean, and the process limits dashed, each segment on its own.

    `points`: month (YYYY-MM), value, mean, lower, upper, special_cause, signal, segment, and the
    `hover` columns. `comparisons`: month, series, value, drawn as plain light grey lines (on an
    SPC chart orange only ever means concern). `small`: per point, whether it rests on too few
    cases (drawn hollow, with no status). `icons`: the variation and assurance in words, shown
    above the plot. `months`: every month of the x axis, so a month without data is a gap.
    """
    data = []
    fmt = f"{y_prefix}%{{y:{y_format}}}{y_suffix}"
    if comparisons is not None and len(comparisons):
        for series, part in comparisons.groupby("series", sort=False):
            by_month = dict(zip(part["month"], values(part["value"])))
            data.append(
                _trace(
                    "scatter", x=list(months), y=[by_month.get(m) for m in months],
                    name=str(series), mode="lines", line={"color": theme.FOCUS_GREY, "width": 2},
                    connectgaps=False,
                    hovertemplate=f"<b>{series}</b><br>%{{x}}: {fmt}<extra></extra>",
                )
            )  # fmt: skip

    # The points as plain columns (one conversion each: pandas per point or per mask costs more
    # than the rest of the chart).
    def column(name: str) -> list:  # a column the points lack (no rows at all): all None
        return values(points[name]) if name in points.columns else [None] * len(points)

    cols = {c: column(c) for c in ("month", "value", "mean", "lower", "upper", "segment")}
    hover_cols = [h.column for h in hover]
    extra = {c: column(c) for c in hover_cols}
    kinds = [k or "" for k in column("special_cause")]
    n = len(kinds)
    hollow = [bool(v) for v in small] if small is not None else [False] * n
    # Limits and mean per segment, a gap between segments (limits are recalculated there).
    lines: dict[str, list] = {"month": [], "mean": [], "lower": [], "upper": []}
    for seg in sorted({v for v in cols["segment"] if v is not None}):  # as groupby: no None
        rows = [i for i in range(n) if cols["segment"][i] == seg]
        for col in lines:
            lines[col] += [*(cols[col][i] for i in rows), None]
    if any(v is not None for v in cols["upper"]):
        for col, label in (("upper", "Process limits"), ("lower", "Process limits")):
            data.append(
                _trace(
                    "scatter", x=lines["month"], y=lines[col], name=label, mode="lines",
                    line={"color": theme.DARK_GREY, "width": 1.5, "dash": "dash"},
                    legendgroup="limits", showlegend=col == "upper", connectgaps=False,
                    hovertemplate=f"{'Upper' if col == 'upper' else 'Lower'} limit: {fmt}"
                    "<extra></extra>",
                )
            )  # fmt: skip
        data.append(
            _trace(
                "scatter", x=lines["month"], y=lines["mean"], name="Mean", mode="lines",
                line={"color": theme.DARK_GREY, "width": 1.5}, connectgaps=False,
                hovertemplate=f"Mean: {fmt}<extra></extra>",
            )
        )  # fmt: skip
    by_month = dict(zip(cols["month"], cols["value"]))
    data.append(
        _trace(
            "scatter", x=list(months), y=[by_month.get(m) for m in months], name=name or y_title,
            mode="lines", line={"color": theme.DARK_BLUE, "width": 2}, connectgaps=False,
            hoverinfo="skip", showlegend=False,
        )
    )  # fmt: skip
    for kind, (label, symbol) in SPC_MARKERS.items():
        for is_small in (False, True):
            rows = [i for i in range(n) if kinds[i] == kind and hollow[i] == is_small]
            if not rows:
                continue
            colour = theme.SPC[kind or "common"]
            data.append(
                _trace(
                    "scatter", x=[cols["month"][i] for i in rows],
                    y=[cols["value"][i] for i in rows], mode="markers",
                    name=label + (" (too few cases)" if is_small else ""),
                    marker={"color": colour, "size": 9 if kind else 7,
                            "symbol": symbol + ("-open" if is_small else ""),
                            "line": {"color": colour, "width": 2}},
                    customdata=[[extra[c][i] for c in hover_cols] for i in rows]
                    if hover_cols
                    else None,
                    hovertemplate=_hover_template(
                        f"<b>{label}</b>", "Month", y_title, y_format, y_suffix, hover
                    ).replace("%{y:", f"{y_prefix}%{{y:"),
                )
            )  # fmt: skip
    # The statistics' headline is long: its finding goes on a line of its own, wrapped so that
    # it fits a narrow chart too.
    if len(headline) > 55 and ": " in headline:
        value, finding = headline.split(": ", 1)
        headline = f"{value}:<br>" + "<br>".join(textwrap.wrap(finding, 55))
    height += 24 * headline.count("<br>")
    layout = _layout(headline, subtitle, "Month", y_title, height, legend=len(data) > 1)
    # room for a legend that wraps to a second row on a narrow chart
    layout.update(showlegend=True, hovermode="closest")
    _grow(layout, 26)
    layout["margin"]["t"] += 26
    layout["yaxis"].update(ticksuffix=y_suffix, tickprefix=y_prefix)
    if y_format != ",":
        layout["yaxis"]["tickformat"] = y_format
    fig = {"data": data, "layout": layout}
    if icons:  # in the figure, so an exported image keeps them: a line under the subtitle
        add_subtitle_line(fig, icons)
    if len(months):
        # The months shown, half a month either side: an event's label must not widen the axis.
        first = pd.Timestamp(f"{months[0]}-01") - pd.Timedelta(days=16)
        last = pd.Timestamp(f"{months[-1]}-01") + pd.Timedelta(days=16)
        layout["xaxis"]["range"] = [first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")]
    if len(months) <= 6:
        layout["xaxis"].update(dtick="M1", tickformat="%b %Y")
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
) -> Spec:
    """A funnel plot: each unit's rate (`points`: unit, n, rate, position_95, position_998)
    against its number of cases, the overall rate `p0` and the 95% and 99.8% limits (`lines`:
    n, lower_95, upper_95, lower_998, upper_998). Units in `highlight` are dark blue and named;
    the others light grey. Rates in %."""
    data = []
    ns = values(lines["n"])
    for tag, label, dash in (("998", "99.8% limits", "dot"), ("95", "95% limits", "dash")):
        for side in ("upper", "lower"):
            data.append(
                _trace(
                    "scatter", x=ns, y=values(lines[f"{side}_{tag}"]), mode="lines", name=label,
                    legendgroup=tag, showlegend=side == "upper", hoverinfo="skip",
                    line={"color": theme.DARK_GREY, "width": 1.5, "dash": dash},
                )
            )  # fmt: skip
    data.append(
        _trace(
            "scatter", x=values([lines["n"].min(), lines["n"].max()]), y=[p0, p0], mode="lines",
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
        data.append(
            _trace(
                "scatter", x=values(part["n"]), y=values(part["rate"]),
                mode="markers+text" if text else "markers", name=name,
                text=values(part["unit"]) if text else None, textposition="middle right",
                marker={"color": colour, "size": 11 if text else 8,
                        "line": {"color": "white", "width": 1}},
                customdata=customdata(part, ["unit", "position_95", "position_998"]),
                hovertemplate="<b>%{customdata[0]}</b><br>Rate: %{y:.1f}%<br>Cases: %{x:,}"
                "<br>%{customdata[1]} the 95% limits, %{customdata[2]} the 99.8%<extra></extra>",
            )
        )  # fmt: skip
    layout = _layout(headline, subtitle, x_title, y_title, height, legend=len(data) > 1)
    layout.update(showlegend=True, hovermode="closest")
    # Log axis with ticks at 1, 2 and 5 times powers of ten within the range, so labels never crowd.
    n = lines["n"]
    ticks = [m * 10**e for e in range(0, 8) for m in (1, 2, 5) if n.min() <= m * 10**e <= n.max()]
    layout["xaxis"].update(type="log", tickformat=",")
    if ticks:
        layout["xaxis"]["tickvals"] = ticks
    lo = min(points["rate"].min(), lines["lower_998"].iloc[-1]) if len(points) else 0
    hi = max(points["rate"].max(), lines["upper_998"].iloc[-1]) if len(points) else 100
    layout["yaxis"].update(
        ticksuffix="%", tickformat=".0f", range=[_value(max(0, lo - 5)), _value(min(100, hi + 5))]
    )
    return {"data": data, "layout": layout}
