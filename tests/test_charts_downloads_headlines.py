"""Chart functions on three-row frames; downloads (CSV and workbook); headline and status words."""

import io
import math
import zipfile

import pandas as pd
import plotly.graph_objects as go
import pytest

from cjsperf import charts, theme
from cjsperf.charts import Hover
from cjsperf.downloads import csv_bytes, excel_bytes, file_name
from cjsperf.headlines import change, change_headline, fmt_value, incomplete_notes, rag_status

THREE = pd.DataFrame(
    {
        "month": ["2018-01", "2018-02", "2018-03"],
        "convictions": [251, 247, 223],
        "unsuccessful": [13, 9, 12],
        "conviction_rate": [95.1, 96.5, 94.9],
    }
)


def test_line_chart_three_rows():
    fig = go.Figure(
        charts.line_chart(
            THREE,
            x="month",
            y="conviction_rate",
            headline="Drugs conviction rate fell to 94.9%",
            subtitle="Conviction rate by month (%), West Midlands, Jan 2018 to Mar 2018",
            y_suffix="%",
            hover=(Hover("convictions", "Convictions"),),
        )
    )
    assert len(fig.data) == 1
    trace = fig.data[0]
    assert trace.type == "scatter"
    assert list(trace.x) == ["2018-01", "2018-02", "2018-03"]
    assert list(trace.y) == [95.1, 96.5, 94.9]
    assert [row[0] for row in trace.customdata] == [251, 247, 223]
    assert "Convictions: %{customdata[0]:,}" in trace.hovertemplate
    assert "Drugs conviction rate fell to 94.9%" in fig.layout.title.text
    assert "West Midlands, Jan 2018 to Mar 2018" in fig.layout.title.text
    assert fig.layout.template.layout.plot_bgcolor == "white"
    assert fig.layout.template.layout.yaxis.showgrid is True
    assert fig.layout.template.layout.xaxis.showgrid is False


def test_line_chart_series_colours_and_month_gaps():
    df = pd.concat([THREE.assign(area="West Midlands"), THREE.assign(area="National")])
    df = df[~((df["area"] == "National") & (df["month"] == "2018-02"))]
    fig = go.Figure(
        charts.line_chart(
            df,
            x="month",
            y="conviction_rate",
            series="area",
            headline="h",
            subtitle="s",
            colors={"West Midlands": theme.DARK_BLUE},
            months=["2018-01", "2018-02", "2018-03"],
        )
    )
    assert [t.name for t in fig.data] == ["West Midlands", "National"]
    assert fig.data[0].line.color == theme.DARK_BLUE
    # the comparison: National's one colour on every page (never orange: on an SPC chart orange
    # means concern)
    assert fig.data[1].line.color == theme.SERIES["National"]
    national = list(fig.data[1].y)
    assert national[0] == 95.1 and national[2] == 94.9
    assert pd.isna(national[1])  # a missing month is a gap, not a straight line across it


def test_bar_chart_highlight_and_stack():
    fig = go.Figure(
        charts.bar_chart(
            THREE,
            category="month",
            value="convictions",
            headline="h",
            subtitle="s",
            highlight=("2018-03",),
        )
    )
    bar = fig.data[0]
    assert bar.type == "bar" and bar.orientation == "h"
    assert list(bar.marker.color) == [theme.FOCUS_GREY, theme.FOCUS_GREY, theme.DARK_BLUE]
    long = THREE.melt(id_vars="month", value_vars=["convictions", "unsuccessful"])
    fig2 = go.Figure(
        charts.bar_chart(
            long,
            category="month",
            value="value",
            series="variable",
            headline="h",
            subtitle="s",
            stacked=True,
            horizontal=False,
        )
    )
    assert fig2.layout.barmode == "stack"
    assert [t.name for t in fig2.data] == ["convictions", "unsuccessful"]
    assert [t.marker.color for t in fig2.data] == [theme.DARK_BLUE, theme.ORANGE]
    assert list(fig2.data[1].y) == [13, 9, 12]


def test_sparkline_marks_the_last_point():
    fig = go.Figure(charts.sparkline(THREE, x="month", y="conviction_rate"))
    assert list(fig.data[1].y) == [94.9]
    assert fig.layout.xaxis.visible is False


def test_csv_download_is_the_frame():
    text = csv_bytes(THREE).decode()
    assert text.splitlines()[0] == "month,convictions,unsuccessful,conviction_rate"
    assert text.splitlines()[3] == "2018-03,223,12,94.9"


def test_file_name_carries_the_filters():
    name = file_name(
        "conviction-rate-by-month",
        {
            "Crime type": "Drugs Offences",
            "Geography": "West Midlands",
            "Period": "2018-03 to 2018-03",
        },
        "csv",
    )
    assert name == "conviction-rate-by-month_drugs-offences_west-midlands_2018-03-to-2018-03.csv"


def test_excel_workbook_is_accessible():
    data = excel_bytes(
        THREE,
        title="Drugs conviction rate fell to 94.9%",
        subtitle="Conviction rate by month",
        source="CPS",
        filters={"Crime type": "Drugs Offences"},
        definitions=("Conviction rate = convictions ÷ (convictions + unsuccessful).",),
    )
    zf = zipfile.ZipFile(io.BytesIO(data))
    workbook = zf.read("xl/workbook.xml").decode()
    assert 'name="Cover"' in workbook and 'name="Data"' in workbook and 'name="Notes"' in workbook
    strings = zf.read("xl/sharedStrings.xml").decode()
    assert "Drugs Offences" in strings and "Open Government Licence" in strings
    sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    for name in sheets:
        assert "<mergeCell" not in zf.read(name).decode()
    data_sheet = zf.read(sheets[-1]).decode()
    assert "<v>223</v>" in data_sheet
    assert len([n for n in zf.namelist() if n.startswith("xl/tables/")]) >= 1


@pytest.mark.parametrize(
    ("values", "unit", "expected"),
    [
        ([93.0, 96.5, 94.9], "%", "Drugs rate fell to 94.9%"),
        ([94.9], "%", "Drugs rate was 94.9%"),
        ([90.0, float("nan"), 94.9], "%", "Drugs rate rose to 94.9%"),
        ([94.91, 94.94], "%", "Drugs rate held at 94.9%"),
        ([], "%", "No data for drugs rate"),
    ],
)
def test_change_headline(values, unit, expected):
    assert change_headline("Drugs rate", values, unit) == expected


def test_values_and_changes():
    assert fmt_value(351235.7, "£") == "£351,236"
    assert fmt_value(1234, "tasks") == "1,234 tasks"
    assert change(86.4, 85.2, "%") == "+1.2 points"
    assert change(90, 100, "£") == "-10.0%"
    assert change(None, 100, "£") is None


@pytest.mark.parametrize(
    ("value", "target", "margin", "direction", "word"),
    [
        (86.4, 85.0, 2.0, "higher", "Green"),
        (84.0, 85.0, 2.0, "higher", "Amber"),
        (82.9, 85.0, 2.0, "higher", "Red"),
        (12.7, 15.0, 3.0, "lower", "Green"),
        (17.5, 15.0, 3.0, "lower", "Amber"),
        (18.1, 15.0, 3.0, "lower", "Red"),
        (None, 15.0, 3.0, "lower", "No target"),
    ],
)
def test_rag_status(value, target, margin, direction, word):
    status = rag_status(value, target, margin, direction, "%")
    assert status.word == word
    assert status.explanation


def test_sparkline_places_points_by_month_over_twelve_months():
    # Nine months published (Jul 2017 to Mar 2018, Apr-Jun 2017 missing) and November missing too.
    months = [
        "2017-07",
        "2017-08",
        "2017-09",
        "2017-10",
        "2017-12",
        "2018-01",
        "2018-02",
        "2018-03",
    ]
    df = pd.DataFrame({"month": months, "value": [80.0, 81, 82, 83, 85, 86, 87, 88]})
    fig = go.Figure(charts.sparkline(df, x="month", y="value"))
    line = fig.data[0]
    # One x per month of the 12 ending March 2018, on a date axis that spans exactly those.
    assert [str(v)[:7] for v in line.x] == [
        "2017-04", "2017-05", "2017-06", "2017-07", "2017-08", "2017-09",
        "2017-10", "2017-11", "2017-12", "2018-01", "2018-02", "2018-03",
    ]  # fmt: skip
    assert fig.layout.xaxis.type == "date"
    assert [str(v)[:10] for v in fig.layout.xaxis.range] == ["2017-04-01", "2018-03-01"]
    # Missing months are gaps (None, not joined across), the rest at their own month.
    assert list(line.y) == [None, None, None, 80.0, 81, 82, 83, None, 85, 86, 87, 88]
    assert line.connectgaps is False
    assert list(fig.data[1].y) == [88]


def test_a_title_from_a_data_file_is_shown_as_written():
    """A court name holding Plotly's HTML (a link) is escaped in the title; the chart's own line
    breaks stay."""
    from cjsperf import charts

    df = pd.DataFrame({"c": ["<a href='https://evil.example'>Court</a>"], "v": [1.0]})
    fig = go.Figure(
        charts.bar_chart(
            df,
            category="c",
            value="v",
            headline="<a href='https://evil.example'>Court</a> & co",
            subtitle="first<br>second",
        )
    )
    text = fig.layout.title.text
    assert (
        "<a href" not in text
        and "&lt;a href='https://evil.example'&gt;Court&lt;/a&gt; &amp; co" in text
    )
    assert text.count("<br>") == 2  # after the headline, and the subtitle's own


def test_an_event_label_late_in_a_fixed_range_runs_leftwards():
    """25 Sep 2017 lies 77% of the way along Mar 2016 to Mar 2018: its label ends at the line
    instead of running off the chart; with no fixed range it starts at the line."""
    import plotly.graph_objects as go

    from cjsperf import charts

    fixed = {"data": [], "layout": {"xaxis": {"range": ["2016-03-16", "2018-03-17"]}}}
    fixed = go.Figure(charts.mark_month(fixed, "2017-09-25", "ODP"))
    assert (fixed.layout.annotations[0].xanchor, fixed.layout.annotations[0].xshift) == (
        "right",
        -4,
    )
    free = go.Figure(charts.mark_month({"data": [], "layout": {}}, "2017-09-25", "ODP"))
    assert (free.layout.annotations[0].xanchor, free.layout.annotations[0].xshift) == ("left", 4)


def test_an_event_label_on_a_line_chart_sits_above_every_line():
    """The value axis leaves room at the top of the plot for the label, above the data and any
    target line: here values 10-20 and a target at 22 (span 12, axis from 10 - 0.6 = 9.4); the plot
    is about 450 - 100 - 60 = 290 px high and a one-line label needs 16 + 12 = 28 px, so 22 must
    sit 28/290 of the plot below its top."""
    spec = {
        "data": [{"type": "scatter", "x": ["2017-08", "2017-09", "2017-10"], "y": [10.0, 20, 15]}],
        "layout": {"height": 450, "margin": {"t": 100}},
    }
    charts.target_line(spec, 22.0, "Target: at most 22")
    charts.mark_month(spec, "2017-09", "ODP")
    lo, hi = spec["layout"]["yaxis"]["range"]
    assert lo == pytest.approx(9.4) and hi == pytest.approx(9.4 + 12.6 * 290 / (290 - 28))
    # A second event close by is labelled a level lower (34 px): the axis grows to hold it too.
    charts.mark_month(spec, "2017-10", "Training", level=1)
    assert spec["layout"]["yaxis"]["range"][1] == pytest.approx(9.4 + 12.6 * 290 / (290 - 62))
    # A later event labelled at the first level does not shrink it again.
    charts.mark_month(spec, "2017-08", "Other")
    assert spec["layout"]["yaxis"]["range"][1] == pytest.approx(9.4 + 12.6 * 290 / (290 - 62))


def _plot_height(spec: dict) -> int:
    layout = spec["layout"]
    return layout["height"] - layout["margin"]["t"] - layout["margin"].get("b", 0)


def _grey_lines(spec: dict) -> list[str]:
    """The subtitle's lines as they read (the grey spans of the title)."""
    import re

    return re.findall(
        r"<span style='font-size:14px;color:#505A5F'>([^<]*)</span>",
        spec["layout"]["title"]["text"],
    )


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_a_long_subtitle_wraps_and_the_plot_keeps_its_height(kind):
    """A subtitle of 230 characters is drawn on three lines of at most 100 (about 700 px at 14 px:
    one line ran off a chart 906 px wide), and the figure grows by them: the plot stays as tall as
    under a one-line subtitle. So does a line added under it (`add_subtitle_line`)."""
    long = ("Counted from the extract's rows, " * 7).strip()  # 230 characters
    short = "Counted from the extract's rows"

    def build(subtitle):
        if kind == "bar":
            df = pd.DataFrame({"court": ["A", "B"], "amount": [1.0, 2.0]})
            return charts.bar_chart(
                df, category="court", value="amount", headline="H", subtitle=subtitle
            )
        df = pd.DataFrame({"month": ["2018-01", "2018-02", "2018-03"], "value": [1.0, 2.0, 3.0]})
        return charts.line_chart(df, x="month", y="value", headline="H", subtitle=subtitle)

    one, three = build(short), build(long)
    # three phrases of 32 characters and their 2 spaces are 98; a fourth "Counted" would be 106
    assert [len(line) for line in _grey_lines(three)] == [98, 98, 32]
    assert _grey_lines(one) == [short]
    assert _plot_height(three) == _plot_height(one)
    assert three["layout"]["height"] == one["layout"]["height"] + 40  # two more lines of 20 px
    before = _plot_height(three)
    charts.add_subtitle_line(three, "Covers 9 of 12 months; " + "Apr–Jun 2017 not published; " * 4)
    assert len(_grey_lines(three)) == 5  # the 135-character line on two
    assert _plot_height(three) == before
    # the title stays 22 px below the top of the taller figure
    assert (
        round((1 - three["layout"]["title"]["y"]) * three["layout"]["height"])
        == charts.TITLE_TOP_PX
    )


def test_text_px_sums_arial_advance_widths():
    # By hand from Arial's widths (thousandths of an em): digits 556, '.' 278, '%' 889, ',' 278.
    # Chromium drew these labels 42.5 and 54.2 px wide at 15 px (Liberation Sans).
    assert charts.text_px("54.2%", 15) == pytest.approx((3 * 556 + 278 + 889) * 15 / 1000)
    assert charts.text_px("120,000", 15) == pytest.approx((6 * 556 + 278) * 15 / 1000)
    assert charts.text_px("<b>A</b>&amp;", 10) == pytest.approx((667 + 667) * 10 / 1000)


def test_left_margin_fits_the_widest_tick_label_a_range_allows():
    # An SPC chart's y range ends at 54.25: its widest label is '54.2%' (42.5 px), so the
    # margin is 42.5 + 36 px of axis room = 78.5, rounded up to 79.
    spc = {
        "data": [{"type": "scatter", "y": [40.0, 50.0]}],
        "layout": {
            "template": theme.TEMPLATE,
            "yaxis": {
                "range": [42.2, 54.25],
                "tickformat": ".1f",
                "ticksuffix": "%",
                "title": {"text": "Rate"},
            },
        },
    }
    assert charts.left_margin(spc) == 79
    # Bars up to 123,456 with autorange: ticks up to 5% above, at most '129,629' (7 characters)
    bars = {"data": [{"type": "bar", "y": [5, 123456]}], "layout": {"template": theme.TEMPLATE}}
    assert charts.left_margin(bars) == math.ceil((6 * 556 + 278) * 15 / 1000 + 36)
    # Horizontal bars: the longest category, 'Crown Court': C 722, r 333, o 556, w 722, n 556,
    # space 278, C 722, o 556, u 556, r 333, t 278 = 5612 thousandths of an em
    cats = {
        "data": [{"type": "bar", "orientation": "h", "y": ["Crown Court", "MC"]}],
        "layout": {"template": theme.TEMPLATE},
    }
    assert charts.left_margin(cats) == math.ceil(5612 * 15 / 1000 + 36)


def test_left_margin_counts_a_target_line_and_fractional_ticks():
    # Found in review, drawn in Chromium: a trend of ~600 with a target line at 3,000 has ticks up
    # to '3,000' (71.1 px of margin needed); with 5% for the autorange, '3,150': 4 digits and a
    # comma = 2,502 thousandths of an em, 37.5 px + 36 = 74.
    base = {"template": theme.TEMPLATE}
    target = {
        "data": [{"type": "scatter", "y": [580.0, 620.0]}],
        "layout": {**base, "shapes": [{"type": "line", "yref": "y", "y0": 3000, "y1": 3000}]},
    }
    assert charts.left_margin(target) == 74
    # Counts of at most 3 with the theme's ',' format: Plotly draws 0.5, 1.5 … (54.5 px needed);
    # the estimate takes one decimal: '3.1' = 1,390 thousandths of an em, 20.9 px + 36 = 57.
    small = {"data": [{"type": "bar", "y": [1, 3]}], "layout": base}
    assert charts.left_margin(small) == 57


def test_incomplete_notes_name_each_gap_once_with_the_totals_that_lack_it():
    gap = "Warwickshire in Mar 2018"
    notes = incomplete_notes(
        [("Burglary", gap), ("Robbery", gap), ("Homicide", None), ("Drugs", "Kent in Jan 2016")],
        "Every offence category",
    )
    assert notes == [
        f":material/warning: ` Burglary `, ` Robbery `, totals incomplete: ` {gap} ` not loaded.",
        ":material/warning: ` Drugs `, total incomplete: ` Kent in Jan 2016 ` not loaded.",
    ]
    every = incomplete_notes([("Burglary", gap), ("Robbery", gap)], "Every offence category")
    assert every == [
        f":material/warning: Every offence category, total incomplete: ` {gap} ` not loaded."
    ]
