"""Casework quality (HMCPSI issues 5 and 6): Transforming Summary Justice case reviews done by
their due date, by month, team, plea and review type; the disclosure questions of the Individual
Quality Assessments fully met, by month and question."""

from dataclasses import replace

import streamlit as st

from cjsperf import charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.extracts import FLAGS, OFFENCE_CATEGORIES
from cjsperf.filters import shift_month
from cjsperf.headlines import FEW_CASES, fmt_value

DEFINITIONS = (
    "TSJ review on time: completed_date on or before due_date. On-time rate: of the reviews DUE in "
    "the month (or period), the share completed by their due date, % to one decimal rounded "
    "half-up; a review completed late, or still open after its due date, is not on time. The "
    "extract is taken at the end of its last period; a review still open then and due later "
    "cannot be judged yet and is left out.",
    "Disclosure fully met: of the answers to the disclosure questions of the Individual Quality "
    "Assessments made in the month (or period), the share answered Fully met, leaving out Not "
    "applicable; % to one decimal rounded half-up.",
    "Reviews and assessments carry the police force area and principal offence category of the "
    "case, but no hate crime or domestic abuse flag.",
)
LABELS = {
    "month": "Month", "due": "Reviews due", "on_time": "On time", "late": "Completed late",
    "open_overdue": "Open past due", "not_yet_due": "Open, not yet due",
    "on_time_rate": "On time (%)", "team": "Team", "plea_type": "Plea", "review_type": "Review",
    "question": "Question", "answers": "Applicable answers", "fully_met": "Fully met",
    "partially_met": "Partially met", "not_met": "Not met", "not_applicable": "Not applicable",
    "fully_met_rate": "Fully met (%)", "assessments": "Cases assessed",
}  # fmt: skip
TSJ_HOVER = (Hover("due", "Reviews due"), Hover("on_time", "On time"), Hover("late", "Late"),
             Hover("open_overdue", "Open past due"))  # fmt: skip
IQA_HOVER = (Hover("answers", "Applicable answers"), Hover("fully_met", "Fully met"),
             Hover("partially_met", "Partially met"), Hover("not_met", "Not met"))  # fmt: skip

f = ui.current_filters()
ui.page_header(
    "Casework quality",
    "Whether cases are reviewed to Transforming Summary Justice timelines (HMCPSI issue 5) and "
    "unused material is handled and recorded on the Disclosure Record Sheet (issue 6).",
    synthetic=True,
)
category = f.crime_type if f.crime_type in OFFENCE_CATEGORIES else "All crime"
if f.crime_type in FLAGS:
    ui.caption(
        f":material/info: Reviews and assessments carry no {f.crime_type.lower()} flag, so this "
        "shows all crime."
    )
ui.no_comparison_note(f)
what = "all crime" if category == "All crime" else category
where = f"{f.geography}, {what}"
p = {"crime_type": category, "area": f.geography}
m_tsj, m_iqa = ui.measures_of("tsj_reviews_on_time", "disclosure_fully_met")
later = {name: ui.start(name, **p, start=f.start, end=f.end)
         for name in ("tsj_reviews_on_time_by_team", "tsj_reviews_on_time_by_type",
                      "disclosure_fully_met_by_question")}  # fmt: skip
events = ui.events()

# ---- Headline figures: the period against the previous period and the same period a year before
periods = {
    "now": (f.start, f.end),
    "previous": kpis.previous_period(f.start, f.end),
    "year": (shift_month(f.start, -12), shift_month(f.end, -12)),
}
tsj_t, iqa_t = (ui.trend_of(m, f, events) for m in (m_tsj, m_iqa))
tsj = {k: ui.period_figures(tsj_t, "tsj_reviews_on_time_for_period", s, e, **p)
       for k, (s, e) in periods.items()}  # fmt: skip
iqa = {k: ui.period_figures(iqa_t, "disclosure_fully_met_for_period", s, e, **p)
       for k, (s, e) in periods.items()}  # fmt: skip
if not tsj["now"].get("due") and not iqa["now"].get("answers"):
    ui.empty_note(
        f,
        "TSJ reviews due or disclosure answers",
        ("tsj_reviews", "disclosure_assessments"),
        category,
    )
    st.stop()
figs = [  # label, value in each period, unit, which way is better
    ("TSJ reviews on time", {k: r.get("on_time_rate") for k, r in tsj.items()}, "%", m_tsj.better),
    ("TSJ reviews due", {k: r.get("due") for k, r in tsj.items()}, "", "neither"),
    ("Disclosure fully met", {k: r.get("fully_met_rate") for k, r in iqa.items()}, "%", m_iqa.better),
    ("Cases assessed", {k: r.get("assessments") for k, r in iqa.items()}, "", "neither"),
]  # fmt: skip
covered = {k: all(ui.coverage(replace(f, start=s, end=e), x) == ""
                  for x in ("tsj_reviews", "disclosure_assessments"))
           for k, (s, e) in periods.items()}  # fmt: skip
tiles = [kpis.Kpi(label, v["now"], unit, v["previous"], better) for label, v, unit, better in figs]
kpis.show(tiles, periods["previous"] if covered["previous"] else None)
if not covered["now"]:
    ui.caption(":material/info: The extracts do not cover every month of the period (TSJ began "
               "in June 2015): the figures cover the months they hold.")  # fmt: skip
ui.status_line([tsj_t, iqa_t])
if covered["year"] and periods["year"] != periods["previous"]:
    year = [(label if label.startswith("TSJ") else label.lower(), v["now"], v["year"], unit)
            for label, v, unit, _ in figs]  # fmt: skip
    ui.caption(kpis.year_before_line(periods["year"], year))

tsj_block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS, column_labels=LABELS, extract="tsj_reviews")  # fmt: skip
iqa_block = {**tsj_block, "extract": "disclosure_assessments"}


def bars(df, dim, label, value, noun, key, sub, hover, block, target, measure):
    """Bars of a rate by `dim`; the lowest of those resting on enough cases is named."""
    df = df.sort_values(value, ascending=False)
    base = "due" if value == "on_time_rate" else "answers"
    df = df.assign(few_cases=df[base] < FEW_CASES)
    ranked = df[~df["few_cases"]]
    low = ranked.iloc[-1] if len(ranked) else None
    head = (f"{low[dim]} lowest, {fmt_value(low[value], '%')} {noun}" if low is not None
            else f"Every {label} had fewer than {FEW_CASES} {LABELS[base].lower()}: no ranking")  # fmt: skip
    fig = charts.bar_chart(df, category=dim, value=value, headline=head, subtitle=sub,
                           value_title=noun.capitalize(), value_suffix="%", value_format=".1f",
                           hover=hover, highlight=(low[dim],) if low is not None else (),
                           small="few_cases")  # fmt: skip
    if target is not None:
        text = f"Target {measure.fmt(target)}"
        charts.target_line(fig, target, text, horizontal=True)
    ui.chart_block(fig, df, key=key, title=head, subtitle=sub, **block)


# ---- TSJ reviews: on time by month (statistical process control), by team, by plea and review
st.subheader("Transforming Summary Justice case reviews")
ui.show_trend(tsj_t, key="tsj-on-time-by-month", y_title="On time", hover=TSJ_HOVER,
              measure_text=f"TSJ reviews due each month completed by their due date (%), {what}",
              **tsj_block)  # fmt: skip
t_tsj, _ = m_tsj.target_for(f, category)
team = later["tsj_reviews_on_time_by_team"]()
if len(team):
    sub = f"TSJ reviews due in the period completed on time (%), by team, {where}, {f.period}"
    bars(team, "team", "team", "on_time_rate", "on time", "tsj-on-time-by-team", sub, TSJ_HOVER,
         tsj_block, t_tsj, m_tsj)  # fmt: skip
kind = later["tsj_reviews_on_time_by_type"]()
if len(kind):
    kind = kind.assign(review=kind["plea_type"] + ": " + kind["review_type"].str.lower())
    sub = (f"TSJ reviews due in the period completed on time (%), by plea and review, {where}, "
           f"{f.period}")  # fmt: skip
    bars(kind, "review", "plea and review", "on_time_rate", "on time", "tsj-on-time-by-type", sub,
         TSJ_HOVER, {**tsj_block, "column_labels": {**LABELS, "review": "Plea and review"}},
         t_tsj, m_tsj)  # fmt: skip

# ---- Disclosure: fully met by month (statistical process control) and by question
st.subheader("Disclosure in the Individual Quality Assessments")
ui.show_trend(iqa_t, key="disclosure-fully-met-by-month", y_title="Fully met",
              hover=IQA_HOVER,
              measure_text=f"Disclosure answers fully met each month (% of applicable), {what}",
              **iqa_block)  # fmt: skip
t_iqa, _ = m_iqa.target_for(f, category)
question = later["disclosure_fully_met_by_question"]()
if len(question):
    sub = (f"Disclosure answers fully met in the period (% of applicable), by question, {where}, "
           f"{f.period}")  # fmt: skip
    bars(question, "question", "question", "fully_met_rate", "fully met",
         "disclosure-fully-met-by-question", sub, IQA_HOVER, iqa_block, t_iqa, m_iqa)  # fmt: skip
