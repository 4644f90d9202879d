"""Court sessions (HMCPSI issue 4, listing with HMCTS): sessions listed and who prosecuted them,
in-house or agent, by month, court centre and list type."""

from dataclasses import replace
from functools import partial

import streamlit as st

from cjsperf import agent_use, kpis, ui
from cjsperf.charts import Hover

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
ui.no_comparison_note(f)
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
listed_m, share_m = ui.measures_of(
    "sessions_listed", "agent_session_share", extra={"court_type": court_type}
)
later = {
    name: ui.start(name, **params, start=f.start, end=f.end)
    for name in ("sessions_by_court", "sessions_by_list_type")
}
events = ui.events()
magistrates = court_type == "Magistrates' court"  # the agent share target is for these
# The same measures over the courts chosen: sessions_by_month takes the court type.
share_m = replace(share_m, query="sessions_by_month")
if not magistrates:  # no target for other courts
    listed_m = replace(listed_m, label=f"{sessions} listed")
    share_m = replace(share_m, target=None, label=f"Agent share of {sessions.lower()}")
trends = [ui.trend_of(m, f, events, extra={"court_type": court_type}) for m in (listed_m, share_m)]
prev = kpis.previous_period(f.start, f.end)
now, before = (ui.period_figures(trends[1], "sessions_summary", s, e, **params)
               for s, e in ((f.start, f.end), prev))  # fmt: skip
if not now.get("sessions"):
    st.info(f"No {sessions.lower()} listed for {where}. Choose a wider period or other courts.")
    st.stop()
tiles = agent_use.session_kpis(now, before, share_m)
covered = before.get("months") == kpis.period_months(f.start, f.end)
kpis.show(tiles, prev if covered else None)
no_agents = agent_use.no_agents_note(trends[1], sessions)
ui.status_line(trends[:1] if no_agents else trends)

# ---- Sessions listed and agent share by month: statistical process control
hover = (Hover("in_house_sessions", "In-house"), Hover("agent_sessions", "Agent"),
         Hover("sessions", "Sessions listed"))  # fmt: skip
trend = partial(ui.show_trend, f=f, source=ui.SAMPLE_SOURCE, synthetic=True, hover=hover,
                extract="court_sessions",
                definitions=agent_use.SESSION_DEFINITIONS, column_labels=agent_use.LABELS)  # fmt: skip
trend(trends[0], key="sessions-by-month", y_title="Sessions",
      measure_text=f"{sessions} listed by month")  # fmt: skip
notes = [] if magistrates else ["The agent share target is for magistrates' courts."]
if no_agents:
    st.caption(f":material/info: {no_agents}")
else:
    trend(trends[1], key="agent-share-of-sessions", y_title="Agent share", notes=notes,
          measure_text=f"{sessions} covered by agents (%), by month")  # fmt: skip

# ---- By court centre and by list type: where and for what agents are used
for query, category, suffix, what in (
    ("sessions_by_court", "court_centre", "", "court centre"),
    ("sessions_by_list_type", "list_type", " lists", "list type"),
):
    df = later[query]()
    if df.empty:
        continue
    sub = f"{sessions} listed by {what}, agent and in-house, {where}"
    head = agent_use.by_prosecutor_headline(df, category, suffix)
    fig = ui.figure(agent_use.by_prosecutor_figure, df, category, subtitle=sub, suffix=suffix)
    notes = ["Highest agent share first. The table also splits sessions by sitting (AM, PM)."]
    block(
        fig, df, key=f"sessions-by-{what.replace(' ', '-')}", title=head, subtitle=sub, notes=notes
    )
