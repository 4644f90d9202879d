"""Overview: one tile per measure, its latest month with its variation and assurance (statistical
process control over the 24 months to the period's end), special cause concerns first."""

import html

import streamlit as st

from cjsperf import downloads, icons, trends, ui
from cjsperf.filters import month_label
from cjsperf.kpis import compact

PER_ROW = 4


def pack_html(f) -> bytes:
    from cjsperf import pack as meeting_pack

    return meeting_pack.build(f).encode("utf-8")


f = ui.current_filters()
crime = f.crime_type.lower() if f.crime_type != "All crime" else "all crime"
INTRO = (
    f"Each measure's latest month to {month_label(f.end)} for {html.escape(f.geography)}, "
    f"{html.escape(crime)}, with what statistical process control says of it: whether it is "
    "within its usual range (common cause) or a real change (special cause), and whether it will "
    "meet its target reliably. Concerns first. Trend lines: the 12 months to "
    f"{month_label(f.end)}."
)
pack = ui.collecting()  # a meeting pack is being built: record the tiles as a table, draw nothing
if pack is None:
    st.title("Overview")
    st.markdown(INTRO)
else:
    ui.page_header("Overview", INTRO, synthetic=False)  # its notes: the tiles' marks, the caption

registry = ui.measure_registry()
for refused in ui.refused_measures().values():  # no tile for them: say which, and why
    st.warning(refused, icon=":material/warning:")
tiles = ui.tiles(registry, f, ui.events())


def show_tile(t: trends.Tile, i: int) -> None:
    m = t.measure
    with st.container(border=True, height="stretch"):
        mark = (
            ":gray-badge[:material/science: Sample data]"
            if t.synthetic
            else ":blue-badge[CPS published]"
        )
        st.html(f"<b>{html.escape(t.label)}</b>")  # the registry's label, as it is written
        st.markdown(mark)
        st.metric(
            t.label,
            # a count without its noun (the label names it), so the figure fits the tile
            compact(t.value, m.unit if m.unit in ("%", "£") else ""),
            delta=f"{t.change_previous} on {month_label(t.previous_month)}"
            if t.change_previous
            else None,
            delta_color=m.delta_color if t.value != t.previous else "off",
            delta_arrow="auto" if t.value != t.previous else "off",
            label_visibility="collapsed",
        )
        st.caption(trends.describe_latest(t))
        if t.comparison and t.comparison_value is not None:
            st.caption(f"{ui.literal(t.comparison)}: {m.fmt(t.comparison_value)}")
        elif t.comparison:
            why = "the sample covers the Area only" if m.synthetic else "no cases or no file"
            st.caption(f"{ui.literal(t.comparison)}: no figure ({why})")
        st.html(ui.memo(("html_icons", ui.trend_key(t.trend)), lambda: icons.html_icons(t.trend)))
        spark = ui.tile_sparkline(t)
        if spark is not None:
            st.plotly_chart(spark, key=f"spark_{i}", config={"displayModeBar": False})
        for note in t.notes:
            st.caption(f":material/info: {ui.literal(note)}")
        st.page_link(m.page, icon=":material/arrow_forward:")  # labelled with its title


for first in range(0, len(tiles) if pack is None else 0, PER_ROW):
    for i, (col, t) in enumerate(zip(st.columns(PER_ROW), tiles[first : first + PER_ROW])):
        with col:
            show_tile(t, first + i)

table = trends.table(tiles)
if pack is not None:
    ui.status_line([t.trend for t in tiles])  # each measure's variation and assurance icons
    pack_columns = ["measure", "latest_month", "value_shown", "variation", "assurance", "target",
                    "comparison", "comparison_value", "change_on_previous_month",
                    "change_on_year_ago", "data", "notes"]  # fmt: skip
    pack.add("table", title="Each measure's latest month, variation and assurance",
             data=table[pack_columns])  # fmt: skip
with st.expander("The tiles as a table, and downloads", expanded=False):
    st.dataframe(table, hide_index=True, width="stretch")
    names = f.for_file()
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Download CSV",
        data=lambda t=table: downloads.csv_bytes(t),
        file_name=downloads.file_name("overview", names, "csv"),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Download Excel",
        data=lambda: downloads.excel_bytes(
            table,
            title="Overview: each measure's latest month, variation and assurance",
            subtitle=f"{f.geography}, {crime}, {f.period}",
            source=f"{ui.CPS_SOURCE} (conviction rate, all crime or an offence category); "
            f"{ui.SAMPLE_SOURCE} (every other measure)",
            filters=names,
            definitions=(
                "Value: the last month with data in the period. Changes: on the calendar month "
                "before and the same month a year before (points for rates, % for amounts).",
                "Variation: statistical process control (NHS Making Data Count) over the 24 months "
                "to the period's end: common cause (within the usual range) or special cause "
                "(improvement or concern). Assurance: whether the process limits lie wholly on "
                "one side of the target (consistently passes or fails) or around it (hit and miss).",
                "Measures, definitions and targets: data/reference/measures.csv.",
            ),
            synthetic=True,
        ),
        file_name=downloads.file_name("overview", names, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/table_view:",
    )
ui.caption(
    f"Conviction rate (all crime or an offence category): {ui.CPS_SOURCE}. {downloads.OGL} "
    f"{ui.CPS_CAVEAT} Tiles marked Sample data: {ui.SAMPLE_SOURCE}."
)
if pack is None:
    st.download_button(
        "Download meeting pack",
        # built only on click: every page's charts for these filters, in one HTML file
        data=lambda: pack_html(f),
        file_name=downloads.file_name("meeting-pack", f.for_file(), "html"),
        mime="text/html",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help="Every page's charts, tables and notes for the filters chosen, in one file that "
        "opens offline and prints to A4 (see README, 'The meeting pack').",
    )
