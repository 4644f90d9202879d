"""Victims (HMCPSI issue 8, Victim Communication and Liaison letters): letters sent on time by
month of decision, for the enhanced and the standard service and by police force area; the quality
of the letters assessed, by month and grade."""

import streamlit as st

from cjsperf import charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.extracts import VCL_DUE_RULE
from cjsperf.filters import month_label, shift_month
from cjsperf.headlines import FEW_CASES, fmt_value

DEFINITIONS = (
    VCL_DUE_RULE,
    "On-time rate: of the letters whose decision fell in the month (or period) and that can be "
    "judged, the share sent by their due date, % to one decimal rounded half-up.",
    "Quality: managers assess a sample of the letters sent and grade each Good, Fair or Poor; "
    "the Good rate is Good as a share of the letters assessed.",
    "Crime type: a letter carries the offence category of its case and may carry the hate crime "
    "and domestic abuse flags; choosing a flag shows the letters with that flag.",
)
LABELS = {
    "month": "Month of decision", "letters": "Letters", "due": "Letters due",
    "on_time": "Sent on time", "late": "Late", "sent_late": "Sent late",
    "unsent_overdue": "Unsent past due", "not_yet_due": "Unsent, not yet due",
    "on_time_rate": "On time (%)", "service": "Service", "force_area": "Police force area",
    "assessed": "Letters assessed", "good": "Good", "fair": "Fair", "poor": "Poor",
    "good_rate": "Good (% of assessed)", "quality": "Grade", "share": "Share of assessed (%)",
}  # fmt: skip
HOVER = (Hover("due", "Letters due"), Hover("on_time", "Sent on time"),
         Hover("sent_late", "Sent late"), Hover("unsent_overdue", "Unsent past due"))  # fmt: skip
Q_HOVER = (Hover("assessed", "Assessed"), Hover("good", "Good"), Hover("fair", "Fair"),
           Hover("poor", "Poor"))  # fmt: skip

f = ui.current_filters()
ui.page_header(
    "Victims",
    "Victim Communication and Liaison letters (HMCPSI issue 8): whether victims hear of a "
    "decision to drop or substantially alter a charge in time (1 working day for victims entitled "
    "to the enhanced service, else 5), and how good the letters are.",
    synthetic=True,
)
ui.no_comparison_note(f)
crime = "all crime" if f.crime_type == "All crime" else f.crime_type.lower()
where = f"{f.geography}, {crime}"
p = {"crime_type": f.crime_type, "area": f.geography}
m_on, m_q = ui.measures_of("vcl_letters_on_time", "vcl_letter_quality")  # by_flag: Y
later = {name: ui.start(name, **p, start=f.start, end=f.end)
         for name in ("vcl_letters_on_time_by_service", "vcl_letters_on_time_by_force",
                      "vcl_letter_quality_by_grade")}  # fmt: skip
events = ui.events()

# ---- Headline figures: the period against the previous period and the same period a year before
periods = {
    "now": (f.start, f.end),
    "previous": kpis.previous_period(f.start, f.end),
    "year": (shift_month(f.start, -12), shift_month(f.end, -12)),
}
on_t, q_t = (ui.trend_of(m, f, events) for m in (m_on, m_q))
on = {k: ui.period_figures(on_t, "vcl_letters_on_time_for_period", s, e, **p)
      for k, (s, e) in periods.items()}  # fmt: skip
quality = {k: ui.period_figures(q_t, "vcl_letter_quality_for_period", s, e, **p)
           for k, (s, e) in periods.items()}  # fmt: skip
if not on["now"].get("letters"):
    ui.empty_note(f, "VCL letters", "vcl_letters", f.crime_type)
    st.stop()
loaded = ui.months_loaded("vcl_letters")
covered = {k: bool(loaded) and loaded[0] <= s for k, (s, _) in periods.items()}
if not covered["now"]:
    ui.caption(f":material/info: The letters extract starts in {month_label(loaded[0])}: the "
               "figures cover only the part of the period from then.")  # fmt: skip
figs = [  # label, value in each period, unit, which way is better
    ("Sent on time", {k: r.get("on_time_rate") for k, r in on.items()}, "%", m_on.better),
    ("Letters due", {k: r.get("due") for k, r in on.items()}, "", "neither"),
    ("Unsent past due", {k: r.get("unsent_overdue") for k, r in on.items()}, "", "lower"),
    ("Assessed Good", {k: r.get("good_rate") for k, r in quality.items()}, "%", m_q.better),
]  # fmt: skip
tiles = [kpis.Kpi(label, v["now"], unit, v["previous"], better) for label, v, unit, better in figs]
kpis.show(tiles, periods["previous"] if covered["previous"] else None)
ui.status_line([on_t, q_t])
if covered["year"] and periods["year"] != periods["previous"]:
    year = [(label.lower(), v["now"], v["year"], unit) for label, v, unit, _ in figs]
    ui.caption(kpis.year_before_line(periods["year"], year))

# ---- Timeliness and quality by month: statistical process control
block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS, column_labels=LABELS, extract="vcl_letters")  # fmt: skip
ui.show_trend(on_t, key="vcl-on-time-by-month", y_title="On time", hover=HOVER,
              measure_text=f"Letters sent by their due date (%), by month of decision, {crime}",
              **block)  # fmt: skip
ui.show_trend(q_t, key="vcl-quality-by-month", y_title="Good", hover=Q_HOVER,
              measure_text=f"Letters assessed graded Good (%), by month of decision, {crime}",
              **block)  # fmt: skip

# ---- On time for the enhanced and the standard service, and by police force area
t_on, _ = m_on.target_for(f, m_on.crime_type_for(f))
for name, dim, label in (("vcl_letters_on_time_by_service", "service", "service"),
                         ("vcl_letters_on_time_by_force", "force_area", "police force area")):  # fmt: skip
    df = later[name]()
    if df.empty:  # the query failed (ui.query said so) or no letter fell due
        continue
    if len(df) == 1:  # one bar compares nothing: say so in words, with its rate
        only, rate = df.iloc[0], fmt_value(df["on_time_rate"].iloc[0], "%")
        ui.caption(f":material/info: Every letter due ({where}, {f.period}) was "
                   + (f"for the {only[dim][0].lower()}{only[dim][1:]} service"
                      if dim == "service" else f"in {only[dim]}")
                   + f": {rate} sent on time, so no chart by {label}.")  # fmt: skip
        continue
    df = df.sort_values("on_time_rate", ascending=False).assign(few_cases=lambda d: d["due"] < FEW_CASES)  # fmt: skip
    ranked = df[~df["few_cases"]]
    low = ranked.iloc[-1] if len(ranked) > 1 else None
    head = (f"{low[dim]} lowest, {fmt_value(low['on_time_rate'], '%')} sent on time"
            if low is not None else f"{fmt_value(df['on_time_rate'].iloc[0], '%')} sent on time")  # fmt: skip
    if low is None and len(df) > 1:
        head = f"Every {label} had fewer than {FEW_CASES} letters due: no ranking"
    sub = f"Letters due in the period sent on time (%), by {label}, {where}, {f.period}"
    fig = charts.bar_chart(df, category=dim, value="on_time_rate", headline=head, subtitle=sub,
                           value_title="On time", value_suffix="%", value_format=".1f",
                           hover=HOVER, highlight=(low[dim],) if low is not None else (),
                           small="few_cases")  # fmt: skip
    if t_on is not None:  # as on the other pages: the label above the bars
        label_t = f"Target {m_on.fmt(t_on)}"
        charts.target_line(fig, t_on, label_t, horizontal=True)
    ui.chart_block(fig, df, key=f"vcl-on-time-by-{dim}", title=head, subtitle=sub, **block)

# ---- Grade mix of the letters assessed in the period
mix = later["vcl_letter_quality_by_grade"]()
if len(mix):
    good = kpis.first_row(mix[mix["quality"] == "Good"])
    head = f"{fmt_value(good.get('share'), '%')} of {int(mix['assessed'].iloc[0]):,} letters assessed were Good"  # fmt: skip
    sub = f"Letters assessed in the period by grade (% of assessed), {where}, {f.period}"
    fig = charts.bar_chart(mix, category="quality", value="share", horizontal=False,
                           headline=head, subtitle=sub, value_title="Share of assessed",
                           category_title="Grade", value_suffix="%", value_format=".1f",
                           hover=(Hover("letters", "Letters"), Hover("assessed", "Assessed")))  # fmt: skip
    ui.chart_block(fig, mix, key="vcl-quality-by-grade", title=head, subtitle=sub, **block)
elif not quality["now"].get("assessed"):  # else the query failed, and ui.query said so
    st.info(f"No letter assessed for quality: {where}, {f.period}.")
