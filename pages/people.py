"""People (HMCPSI issues 1-2, awareness of the Area vision and training for administrative staff):
training completed by its due date by month (all staff and administrative staff), by staff group
and by course; the training outstanding and overdue."""

import dataclasses

import streamlit as st

from cjsperf import charts, kpis, theme, trends, ui
from cjsperf.charts import Hover
from cjsperf.extracts import HOME_AREA, STAFF_GROUPS
from cjsperf.filters import month_label, shift_month
from cjsperf.headlines import FEW_CASES, fmt_value

ADMIN = "Administrative"
DEFINITIONS = (
    "Completed by the due date: completed_date on or before due_date.",
    "Completion rate: of the training courses DUE in the month (or period), the share completed "
    "by their due date, % to one decimal rounded half-up. A course completed late, or still "
    "outstanding after its due date, is not. The extract is taken at the end of its last period; "
    "a course outstanding then and due later cannot be judged yet and is left out.",
    "Outstanding at a month end E: assigned on or before E and not completed by E. Overdue: "
    "outstanding at E with a due date before E.",
    "Training records carry a pseudonymous person id, staff group and team, but no offence "
    "category and no police force: staff work across the Area.",
)
LABELS = {
    "month": "Month", "due": "Courses due", "on_time": "By due date", "late": "Completed late",
    "open_overdue": "Outstanding past due", "not_yet_due": "Outstanding, not yet due",
    "on_time_rate": "By due date (%)", "staff_group": "Staff group", "course": "Course",
    "month_end": "Month end", "outstanding": "Outstanding", "overdue": "Overdue",
    "overdue_share": "Overdue (% of outstanding)", "as_at": "Counted at", "series": "Series",
    "status": "Status", "courses": "Courses",
}  # fmt: skip
HOVER = (Hover("due", "Courses due"), Hover("on_time", "By due date"), Hover("late", "Late"),
         Hover("open_overdue", "Outstanding past due"))  # fmt: skip

f = ui.current_filters()
ui.page_header(
    "People",
    "Awareness of the Area vision and training for administrative staff (HMCPSI issues 1–2): "
    "training completed by its due date, by staff group and course, and the training left "
    "overdue.",
    synthetic=True,
)
ui.no_dimension_note(f, "Training courses", "crime type")
ui.no_dimension_note(f, "Training courses", "police force")
ui.no_comparison_note(f)
where = f"{HOME_AREA}, all staff"
m_on, m_over = ui.measures_of("training_on_time", "overdue_training")
ui.start_trend(m_on, f, extra={"staff_group": ADMIN})
events = ui.events()
t_on, _ = m_on.target_for(f, "All crime")

# ---- Headline figures: the period against the previous period and the same period a year before
periods = {
    "now": (f.start, f.end),
    "previous": kpis.previous_period(f.start, f.end),
    "year": (shift_month(f.start, -12), shift_month(f.end, -12)),
}
first_month = min(*(s for s, _ in periods.values()), shift_month(f.end, -(trends.SPAN - 1)))
backlog_q = ui.start("training_backlog_by_month", start=first_month, end=f.end)
by_group_q = ui.start("training_completion_by_group", start=f.start, end=f.end)
outstanding_q = ui.start("training_outstanding_by_group", end=f.end)
on_t, over_t = (ui.trend_of(m, f, events) for m in (m_on, m_over))
admin_t = dataclasses.replace(
    ui.trend_of(m_on, f, events, extra={"staff_group": ADMIN}),
    label=f"{ADMIN} staff: {m_on.label.lower()}",
)
on = {k: ui.period_figures(on_t, "training_completion_for_period", s, e)
      for k, (s, e) in periods.items()}  # fmt: skip
admin = {k: ui.period_figures(admin_t, "training_completion_for_period", s, e, staff_group=ADMIN)
         for k, (s, e) in periods.items()}  # fmt: skip
backlog = backlog_q()
if not on["now"].get("due") or backlog.empty:
    ui.empty_note(f, "training courses due", "training", None)
    st.stop()
loaded = ui.months_loaded("training")  # months with courses assigned
at = backlog.set_index("month").to_dict("index")
at_end = {k: at.get(e, {}) for k, (_, e) in periods.items()}
covered = {k: bool(loaded) and s >= loaded[0] for k, (s, _) in periods.items()}
if not covered["now"]:
    ui.caption(f":material/info: The training extract starts in {month_label(loaded[0])}: the figures "
               "cover only the part of the period from then.")  # fmt: skip
end = f"{month_label(f.end)} end"
figs = [  # label, value in each period, unit, which way is better
    ("By due date", {k: r.get("on_time_rate") for k, r in on.items()}, "%", m_on.better),
    ("Administrative staff", {k: r.get("on_time_rate") for k, r in admin.items()}, "%", m_on.better),
    ("Courses due", {k: r.get("due") for k, r in on.items()}, "", "neither"),
    (f"Overdue at {end}", {k: r.get("overdue") for k, r in at_end.items()}, "", m_over.better),
]  # fmt: skip
tiles = [kpis.Kpi(label, v["now"], unit, v["previous"], better) for label, v, unit, better in figs]
kpis.show(tiles, periods["previous"] if covered["previous"] else None)
ui.status_line([on_t, admin_t, over_t])
if covered["year"] and periods["year"] != periods["previous"]:
    year = [
        (label.split(" at ")[0].lower(), v["now"], v["year"], unit) for label, v, unit, _ in figs
    ]
    ui.caption(kpis.year_before_line(periods["year"], year))

# ---- Completed by the due date, by month: all staff, then administrative staff (SPC)
block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS, column_labels=LABELS, extract="training")  # fmt: skip
ui.show_trend(on_t, key="training-on-time-by-month", y_title="By due date", hover=HOVER,
              measure_text="Training courses due each month completed by their due date (%), all staff",
              **block)  # fmt: skip
ui.show_trend(admin_t, key="training-on-time-admin-by-month", y_title="By due date", hover=HOVER,
              measure_text="Training courses due each month completed by their due date (%), administrative staff",
              **block)  # fmt: skip

# ---- By staff group and by course, courses due in the period
now = by_group_q()
parts = (
    ("staff_group", "staff group", now[(now["course"] == "All courses") & (now["staff_group"] != "All staff")]),
    ("course", "course", now[(now["staff_group"] == "All staff") & (now["course"] != "All courses")]),
)  # fmt: skip
for dim, label, df in parts:
    if df.empty:
        continue
    if dim == "staff_group":
        df = df.set_index(dim).reindex([g for g in STAFF_GROUPS if g in set(df[dim])]).reset_index()
    else:
        df = df.sort_values("on_time_rate", ascending=False)
    df = df.assign(few_cases=df["due"] < FEW_CASES)  # small bases never make headlines
    ranked = df[~df["few_cases"]].sort_values("on_time_rate")
    low = ranked.iloc[0] if len(ranked) else None
    head = (f"{low[dim]} lowest, {fmt_value(low['on_time_rate'], '%')} by the due date" if low is not None
            else f"Every {label} had fewer than {FEW_CASES} courses due: no ranking")  # fmt: skip
    sub = f"Training courses due in the period completed by their due date (%), by {label}, {where}, {f.period}"
    fig = charts.bar_chart(df, category=dim, value="on_time_rate", headline=head, subtitle=sub,
                           value_title="By due date", value_suffix="%", value_format=".1f",
                           hover=HOVER, highlight=(low[dim],) if low is not None else (),
                           small="few_cases")  # fmt: skip
    if t_on is not None:
        tl = f"Target {m_on.fmt(t_on)}"
        charts.target_line(fig, t_on, tl, horizontal=True)
    ui.chart_block(fig, df, key=f"training-on-time-by-{dim.replace('_', '-')}", title=head, subtitle=sub, **block)  # fmt: skip

# ---- Overdue training at each month end (SPC), outstanding beside it in grey
shown = backlog[backlog["month"] >= over_t.first]
outstanding = shown.assign(series="Outstanding", value=shown["outstanding"])[
    ["month", "series", "value"]
]
notes = []
if loaded and loaded[0] > shift_month(over_t.first, -6):
    notes.append(f"The extract holds training assigned from {month_label(loaded[0])}, so its first months miss older courses still outstanding then.")  # fmt: skip
ui.show_trend(over_t, key="training-backlog-by-month", y_title="Courses", comparisons=outstanding,
              hover=(Hover("outstanding", "Outstanding"), Hover("overdue_share", "Overdue (% of outstanding)", ".1f")),
              measure_text="Overdue training at each month end (outstanding in grey), all staff",
              notes=notes, **block)  # fmt: skip

# ---- Outstanding and overdue at the end of the period, by staff group
out = outstanding_q()
out = out[(out["course"] == "All courses") & (out["staff_group"] != "All staff")]
if len(out):
    day = out["as_at"].iloc[0]
    long = out.melt(id_vars=["staff_group"], value_vars=["overdue", "not_yet_due"],
                    var_name="status", value_name="courses")  # fmt: skip
    long["status"] = long["status"].map({"overdue": "Overdue", "not_yet_due": "Not yet due"})
    worst = out.sort_values("overdue", ascending=False).iloc[0]
    head = (f"{worst['staff_group']} staff hold the most overdue training: {int(worst['overdue']):,} courses"
            if worst["overdue"] else "No training overdue")  # fmt: skip
    sub = f"Training outstanding at {month_label(f.end)} end by staff group, overdue or not yet due, {where}"
    fig = charts.bar_chart(long, category="staff_group", value="courses", series="status", stacked=True,
                           headline=head, subtitle=sub, value_title="Courses outstanding",
                           colors={"Overdue": theme.SERIES["Overdue"], "Not yet due": theme.SERIES["Open"]})  # fmt: skip
    ui.chart_block(fig, out.drop(columns="course"), key="training-outstanding-by-group", title=head,
                   subtitle=sub, notes=[f"Counted at the end of {day:%d %B %Y}."], **block)  # fmt: skip
