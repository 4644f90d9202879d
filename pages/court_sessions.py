"""Court sessions (HMCPSI issue 4, listing with HMCTS): sessions listed and who prosecuted them,
in-house or agent, by month, court centre and list type."""

from functools import partial

import streamlit as st

from cjsperf import agent_use, charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.events import mark_odp
from cjsperf.filters import month_label

# The page's own choice of courts: the value the queries take, and what the sessions are called.
COURT_TYPES = {
    "Magistrates' courts": ("Magistrates' court", "Magistrates' court sessions"),
    "Crown Court": ("Crown Court", "Crown Court sessions"),
    "All courts": ("All courts", "Court sessions"),
}

f = ui.current_filters()
ui.page_header(
    "Court sessions",
    "Listing practices with HMCTS (HMCPSI issue 4): how many court sessions are listed and how "
    "many need an agent because no in-house prosecutor is free.",
    synthetic=True,
)
ui.no_crime_type_note(f, "Court sessions")
if f.compare:
    st.caption(agent_use.COMPARE_NOTE)
court_label = st.radio("Courts", list(COURT_TYPES), horizontal=True, key="sessions_court_type")
court_type, sessions = COURT_TYPES[court_label]
where = f"{f.geography}, {f.period}"
block = partial(
    ui.chart_block,
    f=f,
    source=ui.SAMPLE_SOURCE,
    synthetic=True,
    definitions=agent_use.SESSION_DEFINITIONS,
    column_labels=agent_use.LABELS,
    extract="court_sessions",
)
params = {"area": f.geography, "court_type": court_type}

# ---- Headline figures for the period, against the previous period of the same length
prev = kpis.previous_period(f.start, f.end)
now, before = (
    kpis.first_row(ui.query("sessions_summary", **params, start=s, end=e))
    for s, e in ((f.start, f.end), prev)
)
if not now.get("sessions"):
    st.info(f"No {sessions.lower()} listed for {where}. Choose a wider period or other courts.")
    st.stop()
targets = kpis.targets(ui.query("targets"))
share_target = targets.get("agent_session_share") if court_type == "Magistrates' court" else None
tiles = agent_use.session_kpis(now, before, share_target)
covered = before.get("months") == kpis.period_months(f.start, f.end)
kpis.show(tiles, prev if covered else None)

# ---- Trend by month: sessions listed, in-house and agent; agent share against target
monthly = ui.query("sessions_by_month", **params, start=f.start, end=f.end)
if monthly.empty:  # the query failed, and ui.query has said so
    st.stop()
left, right = st.columns(2)
with left:
    stacked = monthly.melt(
        id_vars=["month", "sessions", "agent_share"],
        value_vars=["agent_sessions", "in_house_sessions"],
        var_name="prosecutor",
        value_name="count",
    ).replace({"prosecutor": {"agent_sessions": "Agent", "in_house_sessions": "In-house"}})
    last = monthly.iloc[-1]
    head = (
        f"{last['sessions']:,} sessions listed in {month_label(last['month'])}; "
        f"agents covered {last['agent_sessions']:,}"
    )
    measure = f"{sessions} listed by month, agent and in-house"
    fig = charts.bar_chart(
        stacked,
        category="month",
        value="count",
        series="prosecutor",
        stacked=True,
        horizontal=False,
        text=False,
        headline=head,
        subtitle=f"{measure}<br>{where}",
        value_title="Sessions",
        colors=agent_use.PROSECUTOR_COLORS,
        hover=(
            Hover("sessions", "Sessions listed"),
            Hover("agent_share", "Agent share (%)", ".1f"),
        ),
    )
    fig = mark_odp(charts.month_ticks(fig, f.months), monthly["month"])
    block(fig, monthly, key="sessions-by-month", title=head, subtitle=f"{measure}, {where}")
with right:
    fig, head, sub = agent_use.share_chart(
        monthly, share_target, what=sessions, where=where, months=f.months
    )
    table = monthly.assign(target=share_target.target if share_target else None)
    block(fig, table, key="agent-share-of-sessions", title=head, subtitle=sub)

# ---- By court centre and by list type: where and for what agents are used
for query, category, suffix, what in (
    ("sessions_by_court", "court_centre", "", "court centre"),
    ("sessions_by_list_type", "list_type", " lists", "list type"),
):
    df = ui.query(query, **params, start=f.start, end=f.end)
    if df.empty:
        continue
    sub = f"{sessions} listed by {what}, agent and in-house, {where}"
    fig, head = agent_use.by_prosecutor_chart(df, category, subtitle=sub, suffix=suffix)
    notes = ["Highest agent share first. The table also splits sessions by sitting (AM, PM)."]
    block(
        fig, df, key=f"sessions-by-{what.replace(' ', '-')}", title=head, subtitle=sub, notes=notes
    )
