"""Task completion (HMCPSI issue 7, staff manage their task lists): tasks completed on time by
month, team and task type; the open and overdue backlog at each month end; the age of open tasks."""

import pandas as pd
import streamlit as st

from cjsperf import charts, kpis, theme, ui
from cjsperf.charts import Hover
from cjsperf.events import mark_odp
from cjsperf.extracts import FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.filters import month_label, period_label, shift_month
from cjsperf.headlines import change, change_headline, fmt_value, rag_status

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
what = "all tasks" if category == "All crime" else f"tasks on {category} cases"
where = f"{HOME_AREA}, {what}"
p = {"crime_type": category}
targets = ui.query("targets").set_index("measure").to_dict("index")
t_on, t_over = targets.get("tasks_on_time"), targets.get("overdue_tasks")


def status(t, value, unit):
    return rag_status(kpis.number(value), t["target"], t["amber_margin"], t["direction"], unit) if t else None  # fmt: skip


def span_headline(subject: str, values: list) -> str:
    """'Overdue open tasks fell from 4,042 to 2,918': first to last month of the period."""
    if len(values) < 2:
        return change_headline(subject, values, "")
    first, last = int(values[0]), int(values[-1])
    if first == last:
        return f"{subject} held at {last:,}"
    return f"{subject} {'fell' if last < first else 'rose'} from {first:,} to {last:,}"


# ---- Headline figures: the period against the previous period and the same period a year before
periods = {
    "now": (f.start, f.end),
    "previous": kpis.previous_period(f.start, f.end),
    "year": (shift_month(f.start, -12), shift_month(f.end, -12)),
}
on = {k: kpis.first_row(ui.query("tasks_on_time_for_period", **p, start=s, end=e))
      for k, (s, e) in periods.items()}  # fmt: skip
first_month = min(s for s, _ in periods.values())
backlog = ui.query("tasks_backlog_by_month", **p, start=first_month, end=f.end)
if not on["now"].get("due") or backlog.empty:
    ui.empty_note(f, "tasks due")
    st.stop()
at = backlog.set_index("month").to_dict("index")
at_end = {k: at.get(e, {}) for k, (_, e) in periods.items()}  # backlog at each period's last month
covered = {k: s in at for k, (s, _) in periods.items()}  # the extract covers the whole period
if not covered["now"]:
    st.caption(f":material/info: The task extract starts in {month_label(backlog['month'].iloc[0])}: the figures "
               "cover only the part of the period from then.")  # fmt: skip
over_target = t_over if category == "All crime" else None  # the target is for all tasks
end = f"{month_label(f.end)} end"
figs = [  # label, value in each period, unit, which way is better, status against target
    ("On time", {k: r.get("on_time_rate") for k, r in on.items()}, "%", "higher", t_on),
    ("Tasks due", {k: r.get("due") for k, r in on.items()}, "", "", None),
    (f"Open at {end}", {k: r.get("open_tasks") for k, r in at_end.items()}, "", "lower", None),
    (f"Overdue at {end}", {k: r.get("overdue") for k, r in at_end.items()}, "", "lower", over_target),
]  # fmt: skip
tiles = [kpis.Kpi(label, v["now"], unit, v["previous"], better, status(t, v["now"], unit or "tasks"))
         for label, v, unit, better, t in figs]  # fmt: skip
kpis.show(tiles, periods["previous"] if covered["previous"] else None)
if covered["year"] and periods["year"] != periods["previous"]:
    year = [f"{label.split(' at ')[0].lower()} {fmt_value(kpis.number(v['year']), unit)} "
            f"({change(kpis.number(v['now']), kpis.number(v['year']), unit) or 'no change'})"
            for label, v, unit, _, _ in figs]  # fmt: skip
    st.caption(f"A year before ({period_label(*periods['year'])}): " + "; ".join(year) + ".")

# ---- On time by month, against target
by_month = ui.query("tasks_on_time_by_month", **p, start=f.start, end=f.end)
sub = f"Tasks due each month completed by their due date (%), {where}, {f.period}"
if t_on and len(by_month):
    met = int((by_month["on_time_rate"] >= t_on["target"]).sum())
    head = f"On-time rate met the {fmt_value(t_on['target'], '%')} target in {met} of {len(by_month)} months"  # fmt: skip
else:
    head = change_headline("Tasks on time", by_month["on_time_rate"].tolist(), "%")
fig = charts.line_chart(by_month, x="month", y="on_time_rate", headline=head, subtitle=sub,
                        x_title="Month due", y_title="On time", y_suffix="%", y_format=".1f",
                        hover=HOVER, months=f.months)  # fmt: skip
if t_on:
    charts.target_line(fig, t_on["target"], f"Target: at least {fmt_value(t_on['target'], '%')}")
block = dict(f=f, source=ui.SAMPLE_SOURCE, synthetic=True, definitions=DEFINITIONS, column_labels=LABELS, extract="tasks")  # fmt: skip
ui.chart_block(mark_odp(fig, f.months), by_month, key="tasks-on-time-by-month", title=head, subtitle=sub, **block)  # fmt: skip

# ---- On time by team and by task type, tasks due in the period
for name, dim, label in (("tasks_on_time_by_team", "team", "team"),
                         ("tasks_on_time_by_type", "task_type", "task type")):  # fmt: skip
    df = ui.query(name, **p, start=f.start, end=f.end).sort_values("on_time_rate", ascending=False)
    low = df.iloc[-1]
    head = f"{low[dim]} lowest, {fmt_value(low['on_time_rate'], '%')} on time"
    sub = f"Tasks due in the period completed on time (%), by {label}, {where}, {f.period}"
    fig = charts.bar_chart(df, category=dim, value="on_time_rate", headline=head, subtitle=sub,
                           value_title="On time", value_suffix="%", value_format=".1f",
                           hover=HOVER, highlight=(low[dim],))  # fmt: skip
    if t_on:
        label = f"Target {fmt_value(t_on['target'], '%')}"
        charts.target_line(fig, t_on["target"], label, horizontal=True)
        fig.update_annotations(selector={"text": label}, yanchor="bottom")  # above the bars
        fig.update_shapes(layer="below")  # behind the bars and their value labels
    ui.chart_block(fig, df, key=f"tasks-on-time-by-{dim}", title=head, subtitle=sub, **block)

# ---- Open and overdue tasks at each month end, against the overdue target
months = backlog[backlog["month"].between(f.start, f.end)]
long = pd.concat([months.assign(series="Open tasks", tasks=months["open_tasks"]),
                  months.assign(series="Overdue", tasks=months["overdue"])])  # fmt: skip
head = span_headline("Overdue open tasks", months["overdue"].tolist())
sub = f"Open tasks and those overdue at each month end, {where}, {f.period}"
fig = charts.line_chart(long, x="month", y="tasks", series="series", headline=head, subtitle=sub,
                        x_title="Month end", y_title="Tasks", months=f.months,
                        hover=(Hover("overdue_share", "Overdue (% of open)", ".1f"),),
                        colors={"Open tasks": theme.DARK_BLUE, "Overdue": theme.ORANGE})  # fmt: skip
notes = []
if over_target:
    charts.target_line(fig, over_target["target"], f"Overdue target: at most {fmt_value(over_target['target'], '')}")  # fmt: skip
elif t_over:
    notes.append("The overdue target is for all tasks, so no target line is drawn for one offence category.")  # fmt: skip
if backlog["month"].iloc[0] > shift_month(f.start, -6):
    notes.append(f"The extract holds tasks created from {month_label(backlog['month'].iloc[0])}, so its first months miss older tasks still open then.")  # fmt: skip
ui.chart_block(mark_odp(fig, f.months), months, key="tasks-backlog-by-month", title=head, subtitle=sub, notes=notes, **block)  # fmt: skip

# ---- Age of the tasks open at the end of the period
age = ui.query("tasks_open_age", **p, end=f.end)
old = int(age.loc[age["band_order"] == 4, "tasks"].sum())
head = f"{old:,} open tasks were over 90 days old" if old else "No open task was over 90 days old"
sub = f"Tasks open at {month_label(f.end)} end by days since created, {where}"
fig = charts.bar_chart(age, category="age_band", value="tasks", series="status", stacked=True,
                       horizontal=False, headline=head, subtitle=sub, value_title="Open tasks",
                       category_title="Days since created",
                       colors={"Overdue": theme.ORANGE, "Not yet due": theme.DARK_BLUE})  # fmt: skip
ui.chart_block(fig, age.drop(columns="band_order"), key="tasks-open-age", title=head, subtitle=sub, **block)  # fmt: skip
