"""Conviction rates: trend by month, by force, by offence category, and flagged cases by court."""

import pandas as pd
import streamlit as st

from cjsperf import charts, theme, ui
from cjsperf.charts import Hover
from cjsperf.extracts import AREA_FORCES, FLAGS, HOME_AREA
from cjsperf.filters import month_runs
from cjsperf.headlines import FEW_CASES, change_headline, fmt_value

DEFINITIONS = (
    "Conviction rate = convictions ÷ (convictions + unsuccessful), as a percentage rounded "
    "half-up to one decimal place, as CPS publishes it.",
    "Convictions: guilty pleas, convictions after trial, and cases proved in the absence of the "
    "defendant. Unsuccessful: every other outcome.",
    "Administratively finalised cases have no offence category and are left out of these rates "
    "(CPS's headline all-offence rate counts them as unsuccessful).",
)
LABELS = {
    "month": "Month",
    "area": "Area",
    "convictions": "Convictions",
    "unsuccessful": "Unsuccessful",
    "cases": "Cases",
    "conviction_rate": "Conviction rate (%)",
    "caution": "Caution",
    "offence_category": "Offence category",
    "flag": "Flag",
    "court_type": "Court type",
}
HOVER = (Hover("convictions", "Convictions"), Hover("unsuccessful", "Unsuccessful"))

f = ui.current_filters()
flagged = f.crime_type in FLAGS
ui.page_header(
    "Conviction rates",
    "How often prosecutions end in a conviction, by month, force and offence category. "
    "Compare the Area with National and other areas from the sidebar.",
    synthetic=flagged,
    real=not flagged,
)
source = ui.SAMPLE_SOURCE if flagged else ui.CPS_SOURCE
crime = f.crime_type if f.crime_type != "All crime" else "All crime"
subject = f"{crime} conviction rate" if crime != "All crime" else "Conviction rate"


def caution(cases: pd.Series) -> pd.Series:
    return cases.map(
        lambda n: f"Fewer than {FEW_CASES} cases: compare with care" if n < FEW_CASES else ""
    )


# ---- Trend by month: the chosen geography against the comparisons
areas = [f.geography, *[a for a in f.compare if a != f.geography]]
frames = []
for area in areas:
    df = ui.query(
        "conviction_rate_by_month", area=area, crime_type=f.crime_type, start=f.start, end=f.end
    )
    if len(df):
        frames.append(df.assign(area=area))
trend = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
if trend.empty:
    ui.empty_note(f, "finalised cases")
    st.stop()
trend["cases"] = trend["convictions"] + trend["unsuccessful"]
trend = trend[["month", "area", "convictions", "unsuccessful", "cases", "conviction_rate"]]
trend["caution"] = caution(trend["cases"])
home = trend[trend["area"] == f.geography]
headline = change_headline(f"{subject} in {f.geography}", home["conviction_rate"].tolist(), "%")
subtitle = f"Conviction rate by month (%), {f.geography} and comparisons, {f.period}"
colors = {f.geography: theme.DARK_BLUE}
fig = charts.line_chart(
    trend,
    x="month",
    y="conviction_rate",
    series="area",
    headline=headline,
    subtitle=subtitle,
    x_title="Month",
    y_title="Conviction rate",
    y_suffix="%",
    y_format=".1f",
    hover=(*HOVER, Hover("cases", "Cases")),
    colors=colors,
    months=f.months,
)
missing = [m for m in f.months if m not in set(home["month"])]
notes = []
if missing:
    notes.append(
        f"No data for {len(missing)} month(s): {'; '.join(month_runs(missing))}. "
        "CPS did not publish these files, "
        "or they are outside the extract; the line has a gap there."
    )
few = home[home["cases"] < FEW_CASES]
if len(few):
    notes.append(
        f":material/warning: {len(few)} month(s) rest on fewer than {FEW_CASES} cases in {f.geography}; "
        "a rate on so few cases moves a lot by chance."
    )
if flagged and any(a not in (HOME_AREA, *AREA_FORCES) for a in areas):
    notes.append(
        "Flagged (hate crime, domestic abuse) figures exist only for the West Midlands "
        "forces in the sample, so other areas have no line."
    )
ui.chart_block(
    fig,
    trend,
    key="conviction-rate-by-month",
    title=headline,
    subtitle=subtitle,
    f=f,
    source=source,
    synthetic=flagged,
    definitions=DEFINITIONS,
    column_labels=LABELS,
    notes=notes,
    extract="flagged_outcomes" if flagged else "case_outcomes",
)

left, right = st.columns(2)

# ---- By force: the Area's four forces, the Area, and the comparisons, over the whole period
with left:
    rows = []
    for area in [HOME_AREA, *AREA_FORCES, *[a for a in f.compare if a not in AREA_FORCES]]:
        df = ui.query(
            "conviction_rate_by_area", area=area, crime_type=f.crime_type, start=f.start, end=f.end
        )
        rows.append(df)
    by_area = (
        pd.concat([r for r in rows if len(r)], ignore_index=True)
        if any(len(r) for r in rows)
        else pd.DataFrame()
    )
    if by_area.empty:
        ui.empty_note(f, "finalised cases")
    else:
        by_area = by_area[["area", "convictions", "unsuccessful", "cases", "conviction_rate"]]
        by_area["caution"] = caution(by_area["cases"])
        top = by_area.sort_values("conviction_rate", ascending=False).iloc[0]
        headline2 = f"{top['area']} had the highest rate, {fmt_value(top['conviction_rate'], '%')}"
        subtitle2 = f"{subject} (%), by area,<br>{f.period}"
        fig2 = charts.bar_chart(
            by_area,
            category="area",
            value="conviction_rate",
            headline=headline2,
            subtitle=subtitle2,
            value_title="Conviction rate",
            value_suffix="%",
            value_format=".1f",
            hover=(*HOVER, Hover("cases", "Cases")),
            highlight=(f.geography,),
        )
        ui.chart_block(
            fig2,
            by_area,
            key="conviction-rate-by-area",
            extract="flagged_outcomes" if flagged else "case_outcomes",
            title=headline2,
            subtitle=subtitle2,
            f=f,
            source=source,
            synthetic=flagged,
            definitions=DEFINITIONS,
            column_labels=LABELS,
        )

# ---- By offence category, for the chosen geography
with right:
    cats = ui.query("conviction_rate_by_category", area=f.geography, start=f.start, end=f.end)
    cats = cats[cats["cases"] > 0] if len(cats) else cats
    if cats.empty:
        ui.empty_note(f, "finalised cases")
    else:
        cats = cats[
            ["offence_category", "convictions", "unsuccessful", "cases", "conviction_rate"]
        ].copy()
        cats["caution"] = caution(cats["cases"])
        low = cats.sort_values("conviction_rate").iloc[0]
        headline3 = (
            f"{low['offence_category']} had the lowest rate, "
            f"{fmt_value(low['conviction_rate'], '%')}"
        )
        subtitle3 = (
            f"Conviction rate (%) by principal offence category,<br>{f.geography}, {f.period}"
        )
        fig3 = charts.bar_chart(
            cats,
            category="offence_category",
            value="conviction_rate",
            headline=headline3,
            subtitle=subtitle3,
            value_title="Conviction rate",
            value_suffix="%",
            value_format=".1f",
            hover=(*HOVER, Hover("cases", "Cases")),
            highlight=(f.crime_type,) if f.crime_type in set(cats["offence_category"]) else (),
        )
        ui.chart_block(
            fig3,
            cats,
            key="conviction-rate-by-category",
            extract="case_outcomes",
            title=headline3,
            subtitle=subtitle3,
            f=f,
            source=ui.CPS_SOURCE,
            synthetic=False,
            definitions=DEFINITIONS,
            column_labels=LABELS,
            notes=[
                "Every offence category is shown whatever the crime type chosen; "
                "the chosen one is dark blue."
            ]
            if f.crime_type != "All crime"
            else [],
        )

# ---- Hate crime and domestic abuse by court type
st.subheader("Hate crime and domestic abuse, by court type")
if f.geography not in (HOME_AREA, *AREA_FORCES):
    st.info("Flagged case outcomes are held for the West Midlands forces only.")
else:
    fl = ui.query(
        "flagged_rate_by_court_type",
        area=f.geography,
        crime_type=f.crime_type,
        start=f.start,
        end=f.end,
    )
    if fl.empty:
        ui.empty_note(f, "flagged cases")
    else:
        fl["caution"] = caution(fl["cases"])
        low = fl.sort_values(["conviction_rate", "cases"]).iloc[0]
        where = f"{low['flag']} in the {low['court_type']}"
        rate = fmt_value(low["conviction_rate"], "%")
        headline4 = (f"{where} lowest at {rate}" if len(fl) > 1 else f"{where}: {rate}") + (
            f" (only {low['cases']:,} cases)" if low["cases"] < FEW_CASES else ""
        )
        subtitle4 = f"Conviction rate (%) by flag and court type, {f.geography}, {f.period}"
        fig4 = charts.bar_chart(
            fl,
            category="flag",
            value="conviction_rate",
            series="court_type",
            headline=headline4,
            subtitle=subtitle4,
            value_title="Conviction rate",
            value_suffix="%",
            value_format=".1f",
            hover=(*HOVER, Hover("cases", "Cases")),
        )
        ui.chart_block(
            fig4,
            fl,
            key="flagged-rate-by-court-type",
            extract="flagged_outcomes",
            title=headline4,
            subtitle=subtitle4,
            f=f,
            source=ui.SAMPLE_SOURCE,
            synthetic=True,
            definitions=DEFINITIONS,
            column_labels=LABELS,
            notes=[
                ":material/science: Synthetic sample: flagged case outcomes are not published by CPS at this level."
            ],
        )
