"""Overview: one tile per measure, the latest month of the period against its target."""

import html

import streamlit as st

from cjsperf import charts, downloads, measures, theme, ui
from cjsperf.filters import month_label
from cjsperf.kpis import compact

PER_ROW = 4
# Text colour on each status colour, for contrast (dark text on amber).
ON_RAG = {"Amber": theme.TEXT}

f = ui.current_filters()
st.title("Overview")
crime = f.crime_type.lower() if f.crime_type != "All crime" else "all crime"
st.markdown(
    f"Each measure's latest month to {month_label(f.end)} against its target, for "
    f"{f.geography}, {crime}. Trend lines: the 12 months to {month_label(f.end)}."
)

registry = measures.registry(ui.query("measures"))
tiles = measures.tiles(ui.query, registry, f)


def status_html(t: measures.Tile) -> str:
    word, why = t.status.word, t.status.explanation
    bg = theme.RAG.get(word, theme.DARK_GREY)
    fg = ON_RAG.get(word, "#FFFFFF")
    return (
        f'<span style="background:{bg};color:{fg};padding:0.1em 0.45em;border-radius:0.3em;'
        f'font-weight:700">{html.escape(word)}</span> {html.escape(why)}'
    )


def show_tile(t: measures.Tile, i: int) -> None:
    unit = t.measure.unit
    with st.container(border=True, height="stretch"):
        mark = (
            ":gray-badge[:material/science: Sample data]"
            if t.synthetic
            else ":blue-badge[CPS published]"
        )
        st.markdown(f"**{t.label}** {mark}")
        st.metric(
            t.label,
            compact(t.value, unit),
            delta=f"{t.change_previous} on {month_label(t.previous_month)}"
            if t.change_previous
            else None,
            delta_color=t.measure.delta_color if t.value != t.previous else "off",
            delta_arrow="auto" if t.value != t.previous else "off",
            label_visibility="collapsed",
        )
        st.caption(measures.describe_latest(t))
        st.markdown(status_html(t), unsafe_allow_html=True)
        if t.trend["value"].notna().sum() > 1:
            spark = charts.sparkline(
                t.trend,
                x="month",
                y="value",
                y_suffix="%" if unit == "%" else "",
                y_format=".1f" if unit == "%" else ",.0f",
            )
            st.plotly_chart(spark, key=f"spark_{i}", config={"displayModeBar": False})
        for note in t.notes:
            st.caption(f":material/info: {note}")
        st.page_link(t.measure.page, icon=":material/arrow_forward:")  # labelled with its title


for first in range(0, len(tiles), PER_ROW):
    for i, (col, t) in enumerate(zip(st.columns(PER_ROW), tiles[first : first + PER_ROW])):
        with col:
            show_tile(t, first + i)

table = measures.table(tiles)
with st.expander("The tiles as a table, and downloads", expanded=False):
    st.dataframe(table, hide_index=True, width="stretch")
    names = f.for_file()
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Download CSV",
        data=downloads.csv_bytes(table),
        file_name=downloads.file_name("overview", names, "csv"),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Download Excel",
        data=lambda: downloads.excel_bytes(
            table,
            title="Overview: latest month of each measure against its target",
            subtitle=f"{f.geography}, {crime}, {f.period}",
            source=f"{ui.CPS_SOURCE} (conviction rate, all crime or an offence category); "
            f"{ui.SAMPLE_SOURCE} (every other measure)",
            filters=names,
            definitions=(
                "Value: the last month with data in the period. Changes: on the calendar month "
                "before and the same month a year before (points for rates, % for amounts).",
                "Status: Green meets the target, Amber is within its tolerance, Red misses it "
                "(data/reference/measures.csv, which also gives each measure's definition).",
            ),
            synthetic=True,
        ),
        file_name=downloads.file_name("overview", names, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/table_view:",
    )
st.caption(
    f"Conviction rate (all crime or an offence category): {ui.CPS_SOURCE}. {downloads.OGL} "
    f"{ui.CPS_CAVEAT} Tiles marked Sample data: {ui.SAMPLE_SOURCE}."
)
