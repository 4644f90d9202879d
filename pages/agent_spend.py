"""Agent spend (HMCPSI issue 3, value for money): agent and counsel fees, cost per agent session,
and the share of magistrates' court sessions covered by agents."""

from functools import partial

import streamlit as st

from cjsperf import agent_use, charts, kpis, ui
from cjsperf.charts import Hover
from cjsperf.events import mark_odp
from cjsperf.extracts import FLAGS, HOME_AREA, OFFENCE_CATEGORIES
from cjsperf.headlines import change_headline, fmt_value

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
if f.compare:
    st.caption(agent_use.COMPARE_NOTE)
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
targets = kpis.targets(ui.query("targets"))
spend_target = targets.get("agent_spend") if area == HOME_AREA else None
cost_target, share_target = (
    targets.get("cost_per_agent_session"),
    targets.get("agent_session_share"),
)
prev = kpis.previous_period(f.start, f.end)


def both_periods(name: str, **params) -> list:
    """Query `name` for this period and for the previous one of the same length."""
    return [ui.query(name, **params, start=s, end=e) for s, e in ((f.start, f.end), prev)]


# ---- Headline figures for the period, against the previous period
spend = [kpis.first_row(df) for df in both_periods("agent_spend_summary", area=area)]
mags = {"area": area, "court_type": "Magistrates' court"}
share = [kpis.first_row(df) for df in both_periods("sessions_summary", **mags)]
if not spend[0].get("payments"):
    ui.empty_note(f, "agent or counsel payments")
    st.stop()
tiles = agent_use.spend_kpis(spend, share, targets, home=area == HOME_AREA)
if category != "All crime":
    now, before = (
        df[df["offence_category"] == category]
        for df in both_periods("agent_counsel_fees_by_category", area=area)
    )
    short = now["short_name"].iloc[0] if len(now) else category
    fees, previous = now["counsel_fees"].sum(), before["counsel_fees"].sum()
    tiles.append(
        kpis.Kpi(f"Counsel: {short}", fees, "£", previous, help=f"Counsel fees, {category}.")
    )
covered = spend[1].get("months") == share[1].get("months") == kpis.period_months(f.start, f.end)
kpis.show(tiles, prev if covered else None)

# ---- Spend by month: agent and counsel fees, against the Area's monthly target
monthly = ui.query("agent_spend_by_month", area=area, start=f.start, end=f.end)
if monthly.empty:  # the query failed, and ui.query has said so
    st.stop()
stacked = monthly.melt(
    id_vars=["month", "total_spend"],
    value_vars=["agent_fees", "counsel_fees"],
    var_name="spend",
    value_name="amount",
).replace({"spend": {"agent_fees": "Agent fees", "counsel_fees": "Counsel fees"}})
if spend_target:
    met = int((monthly["total_spend"] <= spend_target.target).sum())
    limit = fmt_value(spend_target.target, "£")
    head = f"Spend within {limit} monthly target in {met} of {len(monthly)} months"
else:
    head = change_headline("Monthly spend", monthly["total_spend"].tolist(), "£")
sub = f"Agent and external counsel fees by month (£), all crime, {where}"
fig = charts.bar_chart(
    stacked, category="month", value="amount", series="spend", stacked=True, horizontal=False,
    text=False, headline=head, subtitle=sub, value_title="Spend", value_prefix="£",
    value_format=",.0f", hover=(Hover("total_spend", "Total spend (£)", ",.0f"),),
)  # fmt: skip
notes = ["The monthly spend target is for the whole Area: no line for one force."]
if spend_target:
    charts.target_line(fig, spend_target.target, f"{spend_target.text} a month")
    notes = []
ui.no_crime_type_note(f, "Agent session fees")
fig = mark_odp(charts.month_ticks(fig, f.months), monthly["month"])
block(fig, monthly, key="spend-by-month", title=head, subtitle=sub, notes=notes)

# ---- Cost per agent session and agent share of sessions by month, against their targets
left, right = st.columns(2)
with left:
    cost = monthly[["month", "agent_fees", "agent_sessions", "cost_per_agent_session"]]
    cost = cost.assign(target=cost_target.target if cost_target else None)
    head = change_headline("Cost per agent session", cost["cost_per_agent_session"].tolist(), "£")
    measure = "Agent fees ÷ sessions covered (£), by month"
    fig = charts.line_chart(
        cost, x="month", y="cost_per_agent_session", headline=head,
        subtitle=f"{measure}<br>{where}", x_title="Month", y_title="Cost per session (£)",
        y_format=",.2f", months=f.months,
        hover=(Hover("agent_sessions", "Agent sessions"), Hover("agent_fees", "Fees (£)", ",.0f")),
    )  # fmt: skip
    if cost_target:
        charts.target_line(fig, cost_target.target, cost_target.text)
    ui.no_crime_type_note(f, "Agent session fees")
    sub = f"{measure}, {where}"
    block(mark_odp(fig, f.months), cost, key="cost-per-agent-session", title=head, subtitle=sub)
with right:
    shares = ui.query("agent_share_by_month", area=area, start=f.start, end=f.end)
    fig, head, sub = agent_use.share_chart(
        shares, share_target, what="Magistrates' court sessions", where=where, months=f.months
    )
    ui.no_crime_type_note(f, "Court sessions")
    shares = shares.assign(target=share_target.target if share_target else None)
    block(
        fig, shares, key="agent-share-by-month", title=head, subtitle=sub, extract="court_sessions"
    )

# ---- Spend by court centre: agent fees at magistrates' courts, counsel fees at the Crown Court
courts = ui.query("agent_spend_by_court", area=area, crime_type=category, start=f.start, end=f.end)
for kind, what, measure, hover in (
    ("Agent session fee", "agent fees", "Agent session fees by magistrates' court (£), all crime",
     (Hover("sessions", "Sessions"), Hover("cost_per_session", "Per session (£)", ",.2f"))),
    ("External counsel fee", "counsel fees",
     f"External counsel fees by Crown Court centre (£), {category.lower()}",
     (Hover("payments", "Payments"),)),
):  # fmt: skip
    rows = courts[courts["spend_type"] == kind] if len(courts) else courts
    if kind == "Agent session fee":
        ui.no_crime_type_note(f, "Agent session fees")
    else:
        rows = rows.drop(columns=["sessions", "cost_per_session"], errors="ignore")
        if category != "All crime":
            st.caption(
                f":material/info: Counsel fees are recorded by offence category: {category} only here."
            )
    if rows.empty:
        ui.empty_note(f, what)
        continue
    top = rows.iloc[0]
    head = f"{top['court_centre']} had the highest {what}, {fmt_value(top['amount_gbp'], '£')}"
    sub = f"{measure}, {where}"
    fig = charts.bar_chart(
        rows, category="court_centre", value="amount_gbp", headline=head, subtitle=sub,
        value_title="Amount", value_prefix="£", value_format=",.0f", hover=hover,
    )  # fmt: skip
    table = rows.drop(columns="spend_type")
    block(fig, table, key=f"{what.replace(' ', '-')}-by-court", title=head, subtitle=sub)

# ---- Counsel fees by offence category (the chosen one highlighted)
cats = ui.query("agent_counsel_fees_by_category", area=area, start=f.start, end=f.end)
if not cats.empty:
    chosen = cats[cats["offence_category"] == category]
    pick = chosen.iloc[0] if len(chosen) else cats.sort_values("counsel_fees").iloc[-1]
    share_text = fmt_value(pick["share_of_counsel_fees"], "%")
    head = f"{pick['offence_category']}: {share_text} of counsel fees"
    sub = f"External counsel fees by principal offence category (£), {where}"
    fig = charts.bar_chart(
        cats, category="offence_category", value="counsel_fees", headline=head, subtitle=sub,
        value_title="Counsel fees", value_prefix="£", value_format=",.0f",
        highlight=(pick["offence_category"],),
        hover=(Hover("payments", "Payments"), Hover("share_of_counsel_fees", "Share (%)", ".1f")),
    )  # fmt: skip
    why = "the crime type chosen" if len(chosen) else "the largest"
    notes = [f"{pick['offence_category']} is dark blue ({why})."]
    key, table = "counsel-fees-by-category", cats.drop(columns=["short_name", "cps_order"])
    block(fig, table, key=key, title=head, subtitle=sub, notes=notes)
