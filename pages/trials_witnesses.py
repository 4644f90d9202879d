"""Trials and witnesses (what HMCTS and the Witness Service bring to the meeting): how many trials
listed went ahead, why the others cracked or were ineffective and whom that is put down to, and
whether prosecution witnesses attended."""

from functools import partial

import streamlit as st

from cjsperf import charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.filters import period_label
from cjsperf.headlines import FEW_CASES, fmt_value

# The page's own choice of courts: the value the queries take, and what the trials are called.
COURT_TYPES = {
    "All courts": ("All courts", "trials"),
    "Magistrates' courts": ("Magistrates' court", "magistrates' court trials"),
    "Crown Court": ("Crown Court", "Crown Court trials"),
}
DEFINITIONS = (
    "Effective: the trial started on the day it was listed. Cracked: it did not go ahead and "
    "needs no new date (a guilty plea on the day, the prosecution offering no evidence). "
    "Ineffective: it did not go ahead and must be listed again (a witness or the defendant "
    "absent, a party not ready, no court time).",
    "Each cracked or ineffective trial has one reason (data/reference/trial_reasons.csv) and is "
    "attributed to the prosecution, the defence, the court or other causes. Shares are of the "
    "trials listed, % to one decimal rounded half-up.",
    "Witness attendance: prosecution witnesses who attended as a share of those warned to attend.",
    "A trial flagged both hate crime and domestic abuse counts under each flag.",
)
LABELS = {
    "month": "Month", "trials": "Trials", "effective": "Effective", "cracked": "Cracked",
    "ineffective": "Ineffective", "effective_rate": "Effective (%)",
    "prosecution_attributed": "Prosecution attributed",
    "prosecution_attributed_rate": "Prosecution attributed (% of listed)",
    "witnesses_required": "Witnesses warned", "witnesses_attended": "Witnesses attended",
    "attendance_rate": "Attendance (%)", "witness_absent": "Ineffective: prosecution witness absent",
    "witness_absent_rate": "Prosecution witness absent (% of listed)", "court_type": "Court type",
    "outcome": "Outcome", "reason": "Reason", "usual_attribution": "Usually attributed to",
    "attributed_to": "Attributed to", "listed": "Trials listed", "share": "Share of listed (%)",
    "few_cases": f"Fewer than {FEW_CASES} trials listed",
}  # fmt: skip

f = ui.current_filters()
ui.page_header(
    "Trials and witnesses",
    "What HMCTS and the Witness Service bring to the meeting: how many trials listed went ahead "
    "(effective), why the others cracked or were ineffective and whom that is put down to, and "
    "whether prosecution witnesses came.",
    synthetic=True,
)
ui.no_comparison_note(f)
court_label = st.radio("Courts", list(COURT_TYPES), horizontal=True, key="trials_court_type")
court_type, trials = COURT_TYPES[court_label]
what = trials if f.crime_type == "All crime" else f"{f.crime_type.lower()} {trials}"
# as on the other pages: geography, crime type (and the courts, when one type is chosen)
crime = "all crime" if f.crime_type == "All crime" else f.crime_type.lower()
where = f"{f.geography}, {crime}" + (
    "" if court_type == "All courts" else f", {court_label.lower()}"
)
p = {"crime_type": f.crime_type, "area": f.geography, "court_type": court_type}
m_eff, m_pros, m_wit = ui.measures_of(
    "effective_trial_rate", "prosecution_attributed_trials", "witness_attendance",
    extra={"court_type": court_type},
)  # fmt: skip
later = {
    name: ui.start(name, **p, start=f.start, end=f.end)
    for name in ("trials_by_reason", "trials_by_attribution")
}
events = ui.events()

# ---- Headline figures: the period against the previous period of the same length
prev = kpis.previous_period(f.start, f.end)
trends = [ui.trend_of(m, f, events, extra={"court_type": court_type})
          for m in (m_eff, m_pros, m_wit)]  # fmt: skip
by_month = (trends[0], trends[2])  # how the trials went; the witnesses
now, before = (ui.period_figures(by_month, "trial_effectiveness_for_period", s, e, **p)
               for s, e in ((f.start, f.end), prev))  # fmt: skip
if not now.get("trials"):
    ui.empty_note(f, trials, "trials", f.crime_type)
    st.stop()
figs = [  # label, column, unit, which way is better
    ("Effective trials", "effective_rate", "%", m_eff.better),
    ("Trials listed", "trials", "", "neither"),
    ("Prosecution attributed", "prosecution_attributed_rate", "%", m_pros.better),
    ("Witness attendance", "attendance_rate", "%", m_wit.better),
]  # fmt: skip
covered = ui.period_figures(by_month, "trial_effectiveness_for_period", prev[0], prev[0],
                            **p).get("trials")  # fmt: skip
tiles = [kpis.Kpi(label, now.get(c), unit, before.get(c), better)
         for label, c, unit, better in figs]  # fmt: skip
kpis.show(tiles, prev if covered else None)
ui.status_line(trends)
ui.caption(
    f"{period_label(f.start, f.end)}: {int(now['effective']):,} effective, "
    f"{int(now['cracked']):,} cracked and {int(now['ineffective']):,} ineffective of "
    f"{int(now['trials']):,} {what} listed; {int(now['witness_absent']):,} ineffective because a "
    "prosecution witness was absent."
)

# ---- Effective rate, prosecution-attributed share and witness attendance: statistical process control
block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS,
             column_labels=LABELS, extract="trials")  # fmt: skip
hover = (Hover("trials", "Trials listed"), Hover("effective", "Effective"),
         Hover("cracked", "Cracked"), Hover("ineffective", "Ineffective"))  # fmt: skip
# one under another, full width, as on the other pages (side by side clipped their headlines)
ui.show_trend(trends[0], key="trial-effectiveness-by-month", y_title="Effective", hover=hover,
              measure_text=f"{what.capitalize()} listed each month that were effective (%)",
              **block)  # fmt: skip
ui.show_trend(trends[1], key="prosecution-attributed-by-month", y_title="Of trials listed",
              hover=(*hover, Hover("prosecution_attributed", "Prosecution attributed")),
              measure_text=f"{what.capitalize()} listed each month that cracked or were "
              "ineffective for prosecution reasons (%)", **block)  # fmt: skip
ui.show_trend(trends[2], key="witness-attendance-by-month", y_title="Attended",
              hover=(Hover("witnesses_required", "Witnesses warned"),
                     Hover("witnesses_attended", "Attended"),
                     Hover("witness_absent", "Ineffective: witness absent")),
              measure_text="Prosecution witnesses warned for the "
              f"{what} listed each month who attended (%)", **block)  # fmt: skip

# ---- Cracked and ineffective trials by reason and by attribution, by court type
bars = partial(charts.bar_chart, value="share", value_title="Share of trials listed",
               value_suffix="%", value_format=".1f", small="few_cases")  # fmt: skip
by_reason = later["trials_by_reason"]()
if len(by_reason):
    df = by_reason.assign(few_cases=by_reason["listed"] < FEW_CASES)
    df["reason"] = df["reason"] + " (" + df["outcome"].str.lower() + ")"
    totals = df.groupby("reason", sort=False)["trials"].sum().sort_values(ascending=False)
    top = totals.index[0]
    head = (f"{top.split(' (')[0]}: {fmt_value(100 * totals.iloc[0] / now['trials'], '%')} of "
            f"{what} listed, the commonest reason")  # fmt: skip
    sub = f"Cracked and ineffective trials by reason, % of trials listed, {where}, {f.period}"
    order = {r: i for i, r in enumerate(totals.index)}
    df = df.sort_values(["reason"], key=lambda s: s.map(order), kind="stable")
    fig = bars(df, category="reason", series="court_type" if court_type == "All courts" else None,
               headline=head, subtitle=sub,
               height=140 + (56 if court_type == "All courts" else 34) * len(totals),
               hover=(Hover("trials", "Trials"), Hover("listed", "Trials listed")))  # fmt: skip
    ui.chart_block(fig, df.drop(columns="few_cases"), key="trials-by-reason", title=head,
                   subtitle=sub, **block)  # fmt: skip

by_who = later["trials_by_attribution"]()
if len(by_who):
    df = by_who.assign(few_cases=by_who["listed"] < FEW_CASES)
    pros = now.get("prosecution_attributed_rate")
    head = (f"{fmt_value(kpis.number(pros), '%')} of {what} listed failed for prosecution reasons"
            if pros is not None else "Cracked and ineffective trials by attribution")  # fmt: skip
    sub = (f"Cracked and ineffective trials by whom they are attributed to, % of trials listed, "
           f"{where}, {f.period}")  # fmt: skip
    fig = bars(df, category="attributed_to",
               series="court_type" if court_type == "All courts" else None,
               highlight=("Prosecution",), headline=head, subtitle=sub,
               height=140 + (56 if court_type == "All courts" else 34) * df["attributed_to"].nunique(),
               hover=(Hover("cracked", "Cracked"), Hover("ineffective", "Ineffective"),
                      Hover("listed", "Trials listed")))  # fmt: skip
    ui.chart_block(fig, df.drop(columns="few_cases"), key="trials-by-attribution", title=head,
                   subtitle=sub, **block)  # fmt: skip
