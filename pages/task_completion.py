"""Task completion (HMCPSI issue 7, staff manage their task lists): tasks completed on time by
month, team and task type; the open and overdue backlog at each month end; the age of open tasks."""

import streamlit as st

from cjsperf import charts, kpis, theme, trends, ui
from cjsperf.charts import Hover
from cjsperf.extracts import FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.filters import month_label, shift_month
from cjsperf.headlines import FEW_CASES, fmt_value

DEFINITIONS = (
    "Completed on time: completed_date on or before due_date.",
    "On-time rate: of the tasks DUE in the month (or period), the share completed by their due "
    "date, % to one decimal rounded half-up. A task completed late, or still open after its due "
    "date, is not on time. The extract is taken at the end of its last month; a task still open "
    "then and due after that month cannot be judged yet and is left out.",
    "Open at a month end E: created on or before E and not completed by E. Overdue: open at E "
    "with a due date before E.",
    "Tasks carry the principal offence category of their case but no police force (teams work "
    "across the Area) and no hate crime or domestic abuse flag.",
)
LABELS = {
    "month": "Month", "due": "Tasks due", "on_time": "On time", "late": "Completed late",
    "open_overdue": "Open past due", "not_yet_due": "Open, not yet due",
    "on_time_rate": "On time (%)", "team": "Team", "task_type": "Task type",
    "month_end": "Month end", "open_tasks": "Open tasks", "overdue": "Overdue",
    "overdue_share": "Overdue (% of open)", "series": "Series", "tasks": "Tasks",
    "age_band": "Age", "status": "Status", "band_order": "Band",
}  # fmt: skip
HOVER = (Hover("due", "Tasks due"), Hover("on_time", "On time"), Hover("late", "Late"),
         Hover("open_overdue", "Open past due"))  # fmt: skip

f = ui.current_filters()
ui.page_header(
    "Task completion",
    "Whether staff manage their task lists (HMCPSI issue 7): tasks completed by their due date, "
    "by team and task type, and the open tasks left overdue.",
    synthetic=True,
)
category = f.crime_type if f.crime_type in OFFENCE_CATEGORIES else "All crime"
if f.crime_type in FLAGS:
    st.caption(
        f":material/info: Tasks carry no {f.crime_type.lower()} flag, so this shows all crime."
    )
ui.no_dimension_note(f, "Tasks", "police force")
ui.no_comparison_note(f)
what = "all tasks" if category == "All crime" else f"tasks on {category} cases"
where = f"{HOME_AREA}, {what}"
p = {"crime_type": category}
m_on, m_over = ui.measures_of("tasks_on_time", "overdue_tasks")
events = ui.events()
# Targets are for all tasks: none for one offence category (the measure says why).
t_on, _ = m_on.target_for(f, category)


# ---- Headline figures: the period against the previous period and the same period a year before
periods = {
    "now": (f.start, f.end),
    "previous": kpis.previous_period(f.start, f.end),
    "year": (shift_month(f.start, -12), shift_month(f.end, -12)),
}
first_month = min(*(s for s, _ in periods.values()), shift_month(f.end, -(trends.SPAN - 1)))
backlog_q = ui.start("tasks_backlog_by_month", **p, start=first_month, end=f.end)
later = {name: ui.start(name, **p, start=f.start, end=f.end)
         for name in ("tasks_on_time_by_team", "tasks_on_time_by_type")}  # fmt: skip
age_q = ui.start("tasks_open_age", **p, end=f.end)
on_t, over_t = (ui.trend_of(m, f, events) for m in (m_on, m_over))
on = {k: ui.period_figures(on_t, "tasks_on_time_for_period", s, e, **p)
      for k, (s, e) in periods.items()}  # fmt: skip
backlog = backlog_q()
if not on["now"].get("due") or backlog.empty:
    ui.empty_note(f, "tasks due", "tasks", category)
    st.stop()
at = backlog.set_index("month").to_dict("index")
at_end = {k: at.get(e, {}) for k, (_, e) in periods.items()}  # backlog at each period's last month
covered = {k: s in at for k, (s, _) in periods.items()}  # the extract covers the whole period
if not covered["now"]:
    st.caption(f":material/info: The task extract starts in {month_label(backlog['month'].iloc[0])}: the figures "
               "cover only the part of the period from then.")  # fmt: skip
end = f"{month_label(f.end)} end"
figs = [  # label, value in each period, unit, which way is better
    ("On time", {k: r.get("on_time_rate") for k, r in on.items()}, "%", m_on.better),
    ("Tasks due", {k: r.get("due") for k, r in on.items()}, "", "neither"),
    (f"Open at {end}", {k: r.get("open_tasks") for k, r in at_end.items()}, "", m_over.better),
    (f"Overdue at {end}", {k: r.get("overdue") for k, r in at_end.items()}, "", m_over.better),
]  # fmt: skip
tiles = [kpis.Kpi(label, v["now"], unit, v["previous"], better) for label, v, unit, better in figs]
kpis.show(tiles, periods["previous"] if covered["previous"] else None)
# One status per measure and period, as on the Overview and the charts.
ui.status_line([on_t, over_t])
if covered["year"] and periods["year"] != periods["previous"]:
    year = [
        (label.split(" at ")[0].lower(), v["now"], v["year"], unit) for label, v, unit, _ in figs
    ]
    st.caption(kpis.year_before_line(periods["year"], year))

# ---- On time by month: statistical process control
block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS, column_labels=LABELS, extract="tasks")  # fmt: skip
ui.show_trend(on_t, key="tasks-on-time-by-month", y_title="On time", hover=HOVER,
              measure_text=f"Tasks due each month completed by their due date (%), {what}",
              **block)  # fmt: skip

# ---- On time by team and by task type, tasks due in the period
for name, dim, label in (("tasks_on_time_by_team", "team", "team"),
                         ("tasks_on_time_by_type", "task_type", "task type")):  # fmt: skip
    df = later[name]().sort_values("on_time_rate", ascending=False)
    if df.empty:  # the query failed (ui.query said so) or nothing fell due
        continue
    # Small bases never make headlines: the lowest among those with enough tasks due.
    df = df.assign(few_cases=df["due"] < FEW_CASES)
    ranked = df[~df["few_cases"]]
    low = ranked.iloc[-1] if len(ranked) else None
    head = (f"{low[dim]} lowest, {fmt_value(low['on_time_rate'], '%')} on time" if low is not None
            else f"Every {label} had fewer than {FEW_CASES} tasks due: no ranking")  # fmt: skip
    sub = f"Tasks due in the period completed on time (%), by {label}, {where}, {f.period}"
    fig = charts.bar_chart(df, category=dim, value="on_time_rate", headline=head, subtitle=sub,
                           value_title="On time", value_suffix="%", value_format=".1f",
                           hover=HOVER, highlight=(low[dim],) if low is not None else (),
                           small="few_cases")  # fmt: skip
    if t_on is not None:
        label = f"Target {m_on.fmt(t_on)}"
        charts.target_line(fig, t_on, label, horizontal=True)
    ui.chart_block(fig, df, key=f"tasks-on-time-by-{dim}", title=head, subtitle=sub, **block)

# ---- Overdue tasks at each month end (statistical process control), open tasks beside them
shown = backlog[backlog["month"] >= over_t.first]
open_tasks = shown.assign(series="Open tasks", value=shown["open_tasks"])[
    ["month", "series", "value"]
]
notes = []
loaded = ui.months_loaded("tasks")  # months with tasks created
if loaded and loaded[0] > shift_month(over_t.first, -6):
    notes.append(f"The extract holds tasks created from {month_label(loaded[0])}, so its first months miss older tasks still open then.")  # fmt: skip
ui.show_trend(over_t, key="tasks-backlog-by-month", y_title="Tasks", comparisons=open_tasks,
              hover=(Hover("open_tasks", "Open tasks"), Hover("overdue_share", "Overdue (% of open)", ".1f")),
              measure_text=f"Overdue open tasks at each month end (open tasks in grey), {what}",
              notes=notes, **block)  # fmt: skip

# ---- Age of the tasks open at the end of the period
age = age_q()
old = int(age.loc[age["band_order"] == 4, "tasks"].sum())
head = f"{old:,} open tasks were over 90 days old" if old else "No open task was over 90 days old"
sub = f"Tasks open at {month_label(f.end)} end by days since created, {where}"
fig = charts.bar_chart(age, category="age_band", value="tasks", series="status", stacked=True,
                       horizontal=False, headline=head, subtitle=sub, value_title="Open tasks",
                       category_title="Days since created",
                       colors={"Overdue": theme.SERIES["Overdue"], "Not yet due": theme.SERIES["Open"]})  # fmt: skip
ui.chart_block(fig, age.drop(columns="band_order"), key="tasks-open-age", title=head, subtitle=sub, **block)  # fmt: skip
