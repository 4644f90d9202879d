"""Colours and chart style of the UK Government Analysis Function's data visualisation guidance."""

from __future__ import annotations

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
FOCUS_GREY = "#BFBFBF"
GRID = "#E5E5E5"
TEXT = "#0B0C0C"

CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
TWO_SERIES = (DARK_BLUE, ORANGE)

# Each series has one colour on every page and in every chart (defined here once): the chosen
# area and in-house work dark blue, agents turquoise, counsel dark pink, National dark grey; the
# other comparison areas take the rest of the palette, never orange (orange means concern on a
# statistical process control chart, and a thing to look at elsewhere).
SERIES = {
    "Chosen area": DARK_BLUE,
    "In-house": DARK_BLUE,
    "Agent": TURQUOISE,
    "Counsel": DARK_PINK,
    "National": DARK_GREY,
    "Overdue": DARK_PINK,
    "Open": DARK_BLUE,
}
COMPARISONS = (DARK_GREY, LIGHT_PURPLE, TURQUOISE, DARK_PINK)  # National first, then others

# A change for the better or the worse for its measure (st.metric's green and red), and none.
BETTER, WORSE, SAME = "#00703C", "#D4351C", DARK_GREY

# NHS "Making Data Count" statistical process control colours (variation icons and chart points).
SPC = {
    "improvement": "#00B0F0",
    "concern": "#E46C0A",
    "neutral": "#490092",
    "common": "#A6A6A6",
}

# Red / amber / green statuses: the word always travels with the colour.
RAG = {"Green": "#00703C", "Amber": "#F47738", "Red": "#D4351C", "No target": DARK_GREY}

FONT = "Arial, Helvetica, sans-serif"

TEMPLATE = {  # Plotly's layout template, as the JSON every figure carries (`charts.Spec`)
    "layout": dict(
        font={"family": FONT, "size": 15, "color": TEXT},
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(CATEGORICAL),
        separators=".,",  # decimal point, thousands comma
        xaxis={
            "showgrid": False,
            "linecolor": DARK_GREY,
            "ticks": "outside",
            "tickcolor": DARK_GREY,
            "tickangle": 0,
            # Plotly measures every tick label after each draw to hide one that runs past the
            # chart ('hide past div'): the margins already hold them (tests/test_browser.py checks
            # none runs past), and the measuring was ~4% of a redraw after a filter change.
            "ticklabeloverflow": "allow",
            "automargin": True,
            "title": {"standoff": 8},
        },
        yaxis={
            "showgrid": True,
            "gridcolor": GRID,
            "zeroline": False,
            "linecolor": DARK_GREY,
            "tickformat": ",",
            "ticklabeloverflow": "allow",  # as on the x axis
            "automargin": True,
            "title": {"standoff": 8},
        },
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": {"text": ""}},
        hoverlabel={"font": {"family": FONT, "size": 14}},
        margin={"l": 10, "r": 20, "t": 110, "b": 10},
        bargap=0.25,
        bargroupgap=0.05,
    )
}
