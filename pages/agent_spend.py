"""Agent spend (HMCPSI issue 3, value for money): agent and counsel fees, cost per agent session,
and the share of magistrates' court sessions covered by agents."""

from functools import partial

import streamlit as st

from cjsperf import agent_use, charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.extracts import FLAGS, OFFENCE_CATEGORIES
from cjsperf.headlines import fmt_value

f = ui.current_filters()
ui.page_header(
    "Agent spend",
    "Value for money (HMCPSI issue 3): what the Area pays agents to cover magistrates' court "
    "sessions and external counsel for Crown Court cases, and how often agents are needed.",
    synthetic=True,
)
category = f.crime_type if f.crime_type in OFFENCE_CATEGORIES else "All crime"
if f.crime_type in FLAGS:
    st.caption(
        f":material/info: {f.crime_type} flags are not in the spend extract: this page shows all crime."
    )
ui.no_comparison_note(f)
where, area = f"{f.geography}, {f.period}", f.geography
block = partial(
    ui.chart_block,
    f=f,
    source=ui.SAMPLE_SOURCE,
    synthetic=True,
    definitions=agent_use.SPEND_DEFINITIONS + agent_use.SESSION_DEFINITIONS,
    column_labels=agent_use.LABELS,
    extract="agent_spend",
)
spend_m, cost_m, share_m = ui.measures_of(
    "agent_spend", "cost_per_agent_session", "agent_session_share", area=area
)
courts_q = ui.start(
    "agent_spend_by_court", area=area, crime_type=category, start=f.start, end=f.end
)
prev = kpis.previous_period(f.start, f.end)
# counsel fees by offence category: this period, and the one before for a chosen one's tile
cats_q = ui.start("agent_counsel_fees_by_category", area=area, start=f.start, end=f.end)
if category != "All crime":
    cats_before_q = ui.start(
        "agent_counsel_fees_by_category", area=area, start=prev[0], end=prev[1]
    )
ms = {m.key: m for m in (spend_m, cost_m, share_m)}
events = ui.events()

# ---- Headline figures for the period, against the previous period (from the trends' months)
trends = [ui.trend_of(m, f, events, area=area) for m in (spend_m, cost_m, share_m)]
spend_t, cost_t, share_t = trends
periods = ((f.start, f.end), prev)
spend = [ui.period_figures(spend_t, "agent_spend_summary", s, e, area=area) for s, e in periods]
mags = {"area": area, "court_type": "Magistrates' court"}
share = [ui.period_figures(share_t, "sessions_summary", s, e, **mags) for s, e in periods]
if not spend[0].get("payments"):
    ui.empty_note(f, "agent or counsel payments", "agent_spend", None)
    st.stop()
tiles = agent_use.spend_kpis(spend, share, ms)
if category != "All crime":
    now, before = (df[df["offence_category"] == category] for df in (cats_q(), cats_before_q()))
    short = now["short_name"].iloc[0] if len(now) else category
    fees, previous = now["counsel_fees"].sum(), before["counsel_fees"].sum()
    tiles.append(
        kpis.Kpi(
            f"Counsel: {short}",
            fees,
            "£",
            previous,
            spend_m.better,
            help=f"Counsel fees, {category}.",
        )  # fmt: skip
    )
covered = spend[1].get("months") == share[1].get("months") == kpis.period_months(f.start, f.end)
kpis.show(tiles, prev if covered else None)
ui.status_line(trends)

# ---- Spend, cost per agent session and agent share by month: statistical process control
SPEND_HOVER = (Hover("agent_fees", "Agent fees (£)", ",.0f"),
               Hover("counsel_fees", "Counsel fees (£)", ",.0f"))  # fmt: skip
trend = partial(ui.show_trend, f=f, source=ui.SAMPLE_SOURCE, synthetic=True,
                definitions=agent_use.SPEND_DEFINITIONS + agent_use.SESSION_DEFINITIONS,
                column_labels=agent_use.LABELS)  # fmt: skip
ui.no_crime_type_note(f, "Agent session fees")
trend(spend_t, key="spend-by-month", y_title="Spend", extract="agent_spend",
      measure_text="Agent and external counsel fees by month (£), all crime",
      hover=SPEND_HOVER)  # fmt: skip
trend(cost_t, key="cost-per-agent-session", y_title="Cost per session", extract="agent_spend",
      measure_text="Agent fees ÷ sessions covered (£), by month",
      hover=(Hover("agent_sessions", "Agent sessions"), Hover("agent_fees", "Fees (£)", ",.0f")))  # fmt: skip
trend(share_t, key="agent-share-by-month", y_title="Agent share", extract="court_sessions",
      measure_text="Magistrates' court sessions covered by agents (%), by month",
      hover=(Hover("agent_sessions", "Agent sessions"), Hover("sessions", "Sessions listed")))  # fmt: skip

# ---- Spend by court centre: agent fees at magistrates' courts, counsel fees at the Crown Court
courts = courts_q()
for kind, what, measure, hover in (
    ("Agent session fee", "agent fees", "Agent session fees by magistrates' court (£), all crime",
     (Hover("agent_sessions", "Agent sessions"), Hover("cost_per_session", "Per session (£)", ",.2f"))),
    ("External counsel fee", "counsel fees",
     f"External counsel fees by Crown Court centre (£), {category.lower()}",
     (Hover("payments", "Payments"),)),
):  # fmt: skip
    rows = courts[courts["spend_type"] == kind] if len(courts) else courts
    if kind == "Agent session fee":
        ui.no_crime_type_note(f, "Agent session fees")
    else:
        rows = rows.drop(columns=["agent_sessions", "cost_per_session"], errors="ignore")
        if category != "All crime":
            st.caption(
                f":material/info: Counsel fees are recorded by offence category: {category} only here."
            )
    if rows.empty:
        ui.empty_note(f, what, "agent_spend", None if kind == "Agent session fee" else category)
        continue
    top = rows.iloc[0]
    head = f"{top['court_centre']} had the highest {what}, {fmt_value(top['amount_gbp'], '£')}"
    sub = f"{measure}, {where}"
    fig = ui.figure(
        charts.bar_chart,
        rows, category="court_centre", value="amount_gbp", headline=head, subtitle=sub,
        value_title="Amount", value_prefix="£", value_format=",.0f", hover=hover,
    )  # fmt: skip
    table = rows.drop(columns="spend_type")
    block(fig, table, key=f"{what.replace(' ', '-')}-by-court", title=head, subtitle=sub)

# ---- Counsel fees by offence category (the chosen one highlighted)
cats = cats_q()
if not cats.empty:
    chosen = cats[cats["offence_category"] == category]
    pick = chosen.iloc[0] if len(chosen) else cats.sort_values("counsel_fees").iloc[-1]
    share_text = fmt_value(pick["share_of_counsel_fees"], "%")
    head = f"{pick['offence_category']}: {share_text} of counsel fees"
    sub = f"External counsel fees by principal offence category (£), {where}"
    fig = ui.figure(
        charts.bar_chart,
        cats, category="offence_category", value="counsel_fees", headline=head, subtitle=sub,
        value_title="Counsel fees", value_prefix="£", value_format=",.0f",
        highlight=(pick["offence_category"],),
        hover=(Hover("payments", "Payments"), Hover("share_of_counsel_fees", "Share (%)", ".1f")),
    )  # fmt: skip
    why = "the crime type chosen" if len(chosen) else "the largest"
    notes = [f"{pick['offence_category']} is dark blue ({why})."]
    key, table = "counsel-fees-by-category", cats.drop(columns=["short_name", "cps_order"])
    block(fig, table, key=key, title=head, subtitle=sub, notes=notes)
