"""Conviction rates: trend by month, by force, by offence category, and flagged cases by court."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from cjsperf import charts, comparison, ui
from cjsperf.charts import Hover
from cjsperf.extracts import AREA_FORCES, FLAGGED_UNSUCCESSFUL, FLAGS, HOME_AREA
from cjsperf.filters import month_label, month_runs
from cjsperf.headlines import FEW_CASES, incomplete_notes, ranked_headline

HEADLINE_RATE = (
    "headline rate: administratively finalised cases counted as unsuccessful, as CPS publishes it"
)
CATEGORY_RATE = (
    "A single offence category cannot include administratively finalised cases: CPS gives them "
    "no offence category, so a category's rate leaves them out."
)
# The rate shown for All crime: CPS's headline rate by default, or the 12 categories only.
RATE_CHOICES = {
    "Headline: administratively finalised cases counted as unsuccessful": "headline_rate",
    "Offence categories only: administratively finalised cases left out": "conviction_rate",
}
DEFINITIONS = (
    "Conviction rate = convictions ÷ (convictions + unsuccessful), as a percentage rounded "
    "half-up to one decimal place, as CPS publishes it.",
    "Convictions: guilty pleas, convictions after trial, and cases proved in the absence of the "
    "defendant. Unsuccessful: every other outcome.",
    f"All crime, {HEADLINE_RATE}: convictions ÷ (convictions + unsuccessful + administratively "
    "finalised).",
    CATEGORY_RATE,
    f"Flagged (hate crime, domestic abuse) unsuccessful: {FLAGGED_UNSUCCESSFUL}",
)
LABELS = {
    "month": "Month",
    "area": "Area",
    "convictions": "Convictions",
    "unsuccessful": "Unsuccessful",
    "cases": "Cases",
    "conviction_rate": "Conviction rate (%), admin finalised left out",
    "admin_finalised": "Administratively finalised",
    "headline_rate": "Headline conviction rate (%), admin finalised counted as unsuccessful",
    "forces_expected": "Force areas in the total",
    "forces_included": "Force areas loaded whole",
    "missing": "Missing from the total",
    "caution": "Caution",
    "offence_category": "Offence category",
    "flag": "Flag",
    "court_type": "Court type",
}
HOVER = (Hover("convictions", "Convictions"), Hover("unsuccessful", "Unsuccessful"))
SAMPLE_ONLY = (
    "flagged (hate crime, domestic abuse) figures exist only for the four West Midlands forces "
    "in the sample, so these have no {what}."
)

f = ui.current_filters()
flagged = f.crime_type in FLAGS
outcomes = "flagged_outcomes" if flagged else "case_outcomes"  # the extract the rates come from
ui.page_header(
    "Conviction rates",
    "How often prosecutions end in a conviction, by month, force and offence category. "
    "Compare the Area with National and other areas from the sidebar.",
    synthetic=flagged,
    real=not flagged,
)
source = ui.SAMPLE_SOURCE if flagged else ui.CPS_SOURCE
all_crime = f.crime_type == "All crime"
if all_crime:
    rate_col = RATE_CHOICES[
        st.radio("Conviction rate shown", list(RATE_CHOICES), key="rate_definition")
    ]
else:
    rate_col = "conviction_rate"
headline_rate = rate_col == "headline_rate"
subject = (
    ("Headline conviction rate" if headline_rate else "Conviction rate")
    if all_crime
    else f"{f.crime_type} conviction rate"
)
# The definition, beside every figure: in each chart's subtitle.
if headline_rate:
    definition = HEADLINE_RATE
elif flagged:
    definition = "administratively finalised cases not included (they have no offence category)"
elif all_crime:
    definition = "the 12 offence categories; administratively finalised cases left out"
else:
    definition = "a single offence category cannot include administratively finalised cases"
# The period's months when CPS published none of them: its charts of CPS figures say so.
gone = ui.unpublished(f)
own_gone = "" if flagged else gone  # the trend and the chart by area: a flag's are the sample's


def caution(cases: pd.Series) -> pd.Series:
    return cases.map(
        lambda n: (
            f"Fewer than {FEW_CASES} cases: compare with care"
            if pd.notna(n) and 0 < n < FEW_CASES
            else ""
        )  # none: unknown (no row loaded), not few
    )


def incomplete(df: pd.DataFrame) -> pd.DataFrame:
    """Rows whose total lacks a force (or a force's category) that should be in it."""
    if "forces_included" not in df:
        return df.iloc[0:0]
    return df[df["forces_included"] < df["forces_expected"]]


# ---- Trend by month: the chosen geography against the comparisons
# The measure (one definition, data/reference/measures.csv): all crime or a category, or a flag.
(m,) = ui.measures_of({"Hate crime": "hate_crime_conviction_rate",
                       "Domestic abuse": "domestic_abuse_conviction_rate"}.get(f.crime_type, "conviction_rate"))  # fmt: skip
if all_crime:
    m = replace(m, column=rate_col, label=subject)  # the definition chosen above
# the page's other views, started now to run while the trend is drawn (ui.start)
by_force = [HOME_AREA, *AREA_FORCES, *[a for a in f.compare if a not in AREA_FORCES]]
by_area_q = ui.start("conviction_rate_by_area", areas=";".join(by_force), crime_type=f.crime_type,
                     start=f.start, end=f.end)  # fmt: skip
cats_q = ui.start("conviction_rate_by_category", area=f.geography, start=f.start, end=f.end)
four_forces = f.geography in (HOME_AREA, *AREA_FORCES)  # the only ones with flagged outcomes
if four_forces:
    flagged_q = ui.start("flagged_rate_by_court_type", area=f.geography, crime_type=f.crime_type,
                         start=f.start, end=f.end)  # fmt: skip
t = ui.trend_of(m, f, ui.events())
areas = [f.geography, *[a for a in f.compare if a != f.geography]]
frames, no_data = [], []
for area in areas:  # the period's months of the rows the SPC chart and its comparisons rest on
    df = ui.query(m.query, **m.params(f, t.first, area=area))
    df = df[df["month"] >= f.start] if len(df) else df
    if len(df):
        frames.append(df.assign(area=area))
    else:
        no_data.append(area)
counts = ["convictions", "unsuccessful", *(["admin_finalised"] if all_crime else []), "cases"]
rates = ["headline_rate", "conviction_rate"] if all_crime else ["conviction_rate"]
columns = ["month", "area", *counts, *rates, "forces_expected", "forces_included", "missing"]
trend = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
# Not published: the SPC chart still draws the months before that CPS did publish.
if not (trend["convictions"] + trend["unsuccessful"]).sum() and not (own_gone and len(t.data)):
    if own_gone:
        ui.unpublished_note("Conviction rates", own_gone)
    else:
        ui.empty_note(f, "finalised cases", outcomes, f.crime_type)
    st.stop()
trend["cases"] = trend["convictions"] + trend["unsuccessful"]
trend = trend[columns]
trend["caution"] = caution(trend["cases"])


def warn_incomplete(row) -> None:
    """A notice for a month whose total lacks a force (or a force's category)."""
    whole = row.missing == row.area  # a single force (or National) whose figures did not load
    st.warning(
        f"{month_label(row.month)}: {ui.literal(row.area)}'s figures did not load "
        f"({f.crime_type.lower()}): see Data quality."
        if whole
        else f"{month_label(row.month)}: {ui.literal(row.missing)} missing from "
        f"{ui.literal(row.area)} ({f.crime_type.lower()}): the total is incomplete.",
        icon=":material/warning:",
    )


for row in incomplete(trend).itertuples():
    warn_incomplete(row)
home = trend[trend["area"] == f.geography]
# The SPC chart reaches back before the period: its earlier months' totals must say so too.
for row in incomplete(t.data[t.data["month"] < f.start].assign(area=f.geography)).itertuples():
    warn_incomplete(row)
others = ui.comparison_series(m, f, t.first, [a for a in areas if a != f.geography])
hover = (*HOVER, *([Hover("admin_finalised", "Admin finalised")] if headline_rate else []))
no_cases = home[(home["cases"] == 0) & (home["forces_included"] == home["forces_expected"])]
notes = []
if len(no_cases):
    notes.append(
        f"No cases in {len(no_cases)} month(s): {'; '.join(month_runs(list(no_cases['month'])))}. "
        f"{'The sample' if flagged else 'CPS'} has figures for these months, with no "
        f"{f.crime_type.lower()} cases in {f.geography}: no rate, so the line has a gap there."
    )
few = home[(home["cases"] > 0) & (home["cases"] < FEW_CASES)]
if len(few):
    notes.append(
        f":material/warning: {len(few)} month(s) rest on fewer than {FEW_CASES} cases in {f.geography}; "
        "a rate on so few cases moves a lot by chance."
    )
if no_data and not own_gone:
    notes.append(
        f"No data for {', '.join(no_data)}: "
        + (SAMPLE_ONLY.format(what="line") if flagged else "nothing loaded for them.")
    )
if flagged:
    notes.append(f"Flagged unsuccessful: {FLAGGED_UNSUCCESSFUL}")
elif not all_crime:
    notes.append(CATEGORY_RATE)
ui.show_trend(
    t,
    f,
    key="conviction-rate-by-month",
    measure_text=f"{subject} by month (%), {definition}",
    y_title="Conviction rate",
    hover=(*hover, Hover("cases", "Cases")),
    comparisons=others,
    source=source,
    synthetic=flagged,
    definitions=DEFINITIONS,
    column_labels=LABELS,
    notes=notes,
    extract=outcomes,
)


# ---- By force: the Area's four forces, the Area, and the comparisons, over the whole period
areas = by_force
by_area = by_area_q()
no_data2 = [a for a in areas if a not in set(by_area["area"])]
by_area = by_area if len(by_area) else pd.DataFrame()
notes2 = []
if no_data2:
    notes2.append(
        f"No data for {', '.join(no_data2)}: "
        + (
            SAMPLE_ONLY.format(what="bar")
            if flagged
            else f"no {f.crime_type.lower()} cases in the period, so no bar."
        )
    )
if own_gone:
    ui.unpublished_note("Conviction rates by area", own_gone)
elif by_area.empty:
    ui.empty_note(f, "finalised cases", outcomes, f.crime_type)
    for note in notes2:
        st.caption(note)
else:
    for row in incomplete(by_area).itertuples():
        notes2.insert(
            0,
            f":material/warning: {ui.literal(row.area)}, total incomplete: "
            f"{ui.literal(row.missing)} not loaded.",
        )
    by_area = by_area[
        ["area", *counts, *rates, "forces_expected", "forces_included", "missing"]
    ].copy()
    by_area["caution"] = caution(by_area["cases"])
    by_area["few_cases"] = by_area["cases"] < FEW_CASES
    # Small bases never make headlines: the highest among areas with enough cases.
    ranked = by_area[~by_area["few_cases"]].sort_values(rate_col, ascending=False)
    headline2 = ranked_headline(
        list(zip(ranked["area"], ranked[rate_col])), "{name} had the highest rate, {value}", "%",
        f"Every area rests on fewer than {FEW_CASES} cases: no ranking",
    )  # fmt: skip
    if by_area["few_cases"].any():
        notes2.append(
            f"Hollow bars rest on fewer than {FEW_CASES} cases: not ranked. The funnel plot "
            "below is the fair comparison."
        )
    subtitle2 = f"{subject} (%), {definition};<br>by area, {f.period}"
    fig2 = ui.figure(
        charts.bar_chart,
        by_area,
        category="area",
        value=rate_col,
        headline=headline2,
        subtitle=subtitle2,
        value_title="Conviction rate",
        value_suffix="%",
        value_format=".1f",
        hover=(*hover, Hover("cases", "Cases")),
        highlight=(f.geography,),
        small="few_cases",
    )
    ui.chart_block(
        fig2,
        by_area,
        key="conviction-rate-by-area",
        extract=outcomes,
        title=headline2,
        subtitle=subtitle2,
        f=f,
        source=source,
        synthetic=flagged,
        definitions=DEFINITIONS,
        column_labels=LABELS,
        notes=notes2,
    )

# ---- By offence category, for the chosen geography
cats = cats_q()
cats = cats[(cats["cases"] > 0) | cats["missing"].notna()] if len(cats) else cats
if gone:  # CPS's figures, whatever the crime type chosen
    ui.unpublished_note("Conviction rates by offence category", gone)
elif cats.empty:
    ui.empty_note(f, "finalised cases", "case_outcomes", None)
else:
    cats = cats[
        ["offence_category", "convictions", "unsuccessful", "cases", "conviction_rate", "missing"]
    ].copy()
    cats["caution"] = caution(cats["cases"])
    cats["few_cases"] = (cats["cases"] < FEW_CASES).fillna(False).astype(bool)
    ranked = cats[~cats["few_cases"] & cats["conviction_rate"].notna()]
    ranked = ranked.sort_values("conviction_rate")
    headline3 = ranked_headline(
        list(zip(ranked["offence_category"], ranked["conviction_rate"])),
        "{name} had the lowest rate, {value}", "%",
        f"Every category rests on fewer than {FEW_CASES} cases: no ranking",
    )  # fmt: skip
    subtitle3 = (
        "Conviction rate (%) by principal offence category, administratively finalised "
        f"cases left out;<br>{f.geography}, {f.period}"
    )
    fig3 = ui.figure(
        charts.bar_chart,
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
        small="few_cases",
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
            *incomplete_notes(
                list(zip(cats["offence_category"], cats["missing"])), "Every offence category"
            ),
            *(
                [
                    "Every offence category is shown whatever the crime type chosen; "
                    "the chosen one is dark blue."
                ]
                if f.crime_type != "All crime"
                else []
            ),
            CATEGORY_RATE,
        ],
    )

# ---- Hate crime and domestic abuse by court type
# ---- Fair comparison: every force (or CPS Area) against its number of cases
st.subheader("Fair comparison: funnel plot")
FUNNEL_DEFINITIONS = (
    "Funnel plot (Spiegelhalter 2005): each unit's conviction rate against its number of cases. "
    "The limits narrow as cases grow: a rate outside the 99.8% limits is unlikely to be chance.",
    "Limits: p0 ± z·√(p0(1−p0)/n), p0 the National rate, z = 1.959964 (95%) and 3.090232 "
    "(99.8%). Where units vary more than chance allows (over-dispersion, as FunnelPlotR tests "
    "it), the adjusted limits add the between-unit variance on the arcsine scale.",
)
c1, c2 = st.columns([2, 1])
level = c1.radio("Units", ["Police force areas", "CPS Areas"], horizontal=True, key="funnel_level")
adjust = c2.toggle("Adjust limits for over-dispersion", value=True, key="funnel_adjust")
view = None if own_gone else ui.funnel_view(f, "force" if level == "Police force areas" else "area", adjust)  # fmt: skip
if view is None:
    ui.unpublished_note("The funnel plot", own_gone)
elif view.figure is None:
    st.info(view.headline)
else:
    ui.chart_block(
        view.figure, view.table, key=f"funnel-{view.level}", title=view.headline,
        subtitle=view.subtitle.replace("<br>", "; "),  # as on screen: its definition too
        f=f, source=ui.CPS_SOURCE, synthetic=False,
        definitions=(*FUNNEL_DEFINITIONS, CATEGORY_RATE), column_labels=comparison.LABELS,
        notes=view.notes, extract="case_outcomes",
    )  # fmt: skip

st.subheader("Hate crime and domestic abuse, by court type")
if not four_forces:
    st.info("Flagged case outcomes are held for the West Midlands forces only.")
else:
    fl = flagged_q()
    if fl.empty:
        ui.empty_note(f, "flagged cases", "flagged_outcomes", f.crime_type)
    else:
        fl["caution"] = caution(fl["cases"])
        fl["few_cases"] = fl["cases"] < FEW_CASES
        # Small bases never make headlines: the lowest among those with enough cases.
        ranked = fl[~fl["few_cases"]].sort_values(["conviction_rate", "cases"])
        headline4 = ranked_headline(
            [(f"{r.flag} in the {r.court_type}", r.conviction_rate) for r in ranked.itertuples()],
            "{name} lowest at {value}", "%",
            f"Every flag and court type rests on fewer than {FEW_CASES} cases",
        )  # fmt: skip
        subtitle4 = (
            "Conviction rate (%) by flag and court type, administratively finalised cases not "
            f"included;<br>{f.geography}, {f.period}"
        )
        fig4 = ui.figure(
            charts.bar_chart,
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
            small="few_cases",
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
                ":material/science: Synthetic sample: flagged case outcomes are not published by CPS at this level.",
                f"Flagged unsuccessful: {FLAGGED_UNSUCCESSFUL}",
            ],
        )
