"""Agent use (HMCPSI issues 3 and 4): what the agent spend and court sessions pages share —
definitions, column labels for tables and downloads, and the charts both pages draw.

No Streamlit here: DataFrame in, figure and words out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cjsperf import charts, theme
from cjsperf.charts import Hover
from cjsperf.headlines import FEW_CASES, fmt_value
from cjsperf.kpis import Kpi
from cjsperf.measures import Measure

SPEND_DEFINITIONS = (
    "Agent session fees: paid to self-employed solicitors or barristers who cover a magistrates' "
    "court session when no in-house prosecutor is free. Mostly not recorded by offence category.",
    "External counsel fees: paid to self-employed barristers instructed in Crown Court cases; "
    "recorded by principal offence category.",
    "Cost per agent session = agent session fees ÷ the sessions they covered.",
)
SESSION_DEFINITIONS = (
    "Court session: a morning (AM) or afternoon (PM) sitting of a court, listed by HMCTS with a "
    "list type. Every session needs a prosecutor: in-house or an agent.",
    "Agent share = sessions prosecuted by an agent ÷ sessions listed, as a percentage rounded "
    "half-up to one decimal place.",
)
LABELS = {
    "month": "Month",
    "agent_fees": "Agent fees (£)",
    "counsel_fees": "Counsel fees (£)",
    "total_spend": "Total spend (£)",
    "payments": "Payments",
    "cost_per_agent_session": "Cost per agent session (£)",
    "target": "Target",
    "sessions": "Sessions listed",
    "in_house_sessions": "In-house sessions",
    "agent_sessions": "Agent sessions",
    "agent_share": "Agent share (%)",
    "am_sessions": "AM sessions",
    "pm_sessions": "PM sessions",
    "am_agent_sessions": "AM agent sessions",
    "pm_agent_sessions": "PM agent sessions",
    "court_centre": "Court centre",
    "court_type": "Court type",
    "force_area": "Force area",
    "list_type": "List type",
    "amount_gbp": "Amount (£)",
    "cost_per_session": "Cost per session (£)",
    "offence_category": "Offence category",
    "average_fee": "Average fee (£)",
    "share_of_counsel_fees": "Share of counsel fees (%)",
}
PROSECUTOR_COLORS = {"Agent": theme.SERIES["Agent"], "In-house": theme.SERIES["In-house"]}
SPEND_COLORS = {"Agent fees": theme.SERIES["Agent"], "Counsel fees": theme.SERIES["Counsel"]}


def by_prosecutor_headline(df: pd.DataFrame, category: str, suffix: str = "") -> str:
    """The headline of `by_prosecutor_chart`."""
    # Small bases never make headlines: the most among those with enough sessions.
    ranked = df[df["sessions"] >= FEW_CASES].sort_values(
        ["agent_share", "sessions"], ascending=False
    )
    if ranked.empty:
        return f"Every one had fewer than {FEW_CASES} sessions: no ranking"
    if not df["agent_sessions"].sum():
        return f"All {int(df['sessions'].sum()):,} sessions were prosecuted in-house"
    top = ranked.iloc[0]
    return f"{top[category]}{suffix} used agents most, {fmt_value(top['agent_share'], '%')}"


def no_agents_note(t, sessions: str) -> str | None:
    """What to say instead of an agent share chart whose months (trend `t`) hold sessions but not
    one covered by an agent (the Crown Court: agents cover magistrates' courts); None otherwise."""
    df = t.data
    if len(df) and df["sessions"].sum() and not df["agent_sessions"].sum():
        return (
            f"No {sessions.lower()} were covered by an agent in the {len(df)} months shown: "
            "no agent share to chart."
        )
    return None


def by_prosecutor_figure(
    df: pd.DataFrame, category: str, *, subtitle: str, suffix: str = ""
) -> charts.Spec:
    """The figure of `by_prosecutor_chart` (for `cjsperf.ui.figure`, which keeps it)."""
    return by_prosecutor_chart(df, category, subtitle=subtitle, suffix=suffix)[0]


def by_prosecutor_chart(
    df: pd.DataFrame, category: str, *, subtitle: str, suffix: str = ""
) -> tuple[charts.Spec, str]:
    """Sessions by `category` (court centre, list type), agent and in-house stacked, in the frame's
    order; each label carries its agent share. `suffix` follows the name in the headline (' lists').
    Returns the figure and its headline."""
    head = by_prosecutor_headline(df, category, suffix)
    label = df[category] + " (" + df["agent_share"].map(lambda v: fmt_value(v, "%")) + " agent)"
    long = (
        df.assign(label=label)
        .melt(
            id_vars=["label", "sessions", "agent_share"],
            value_vars=["agent_sessions", "in_house_sessions"],
            var_name="prosecutor",
            value_name="count",
        )
        .replace({"prosecutor": {"agent_sessions": "Agent", "in_house_sessions": "In-house"}})
    )
    fig = charts.bar_chart(
        long,
        category="label",
        value="count",
        series="prosecutor",
        stacked=True,
        headline=head,
        subtitle=subtitle,
        value_title="Sessions",
        colors=PROSECUTOR_COLORS,
        hover=(
            Hover("sessions", "Sessions listed"),
            Hover("agent_share", "Agent share (%)", ".1f"),
        ),
    )
    # Counts only on segments wide enough to hold them (not shrunk or turned); legend in drawing order.
    widest = df["sessions"].max()
    for trace in fig["data"]:
        trace.update(
            text=[f"{v:,}" if v >= widest / 12 else "" for v in trace["x"]],
            texttemplate="%{text}",
            textposition="inside",
            textangle=0,
        )
    fig["layout"]["legend"] = {"traceorder": "normal"}
    return fig, head


def spend_kpis(
    spend: Sequence[Mapping], share: Sequence[Mapping], ms: Mapping[str, Measure]
) -> list[Kpi]:
    """Headline figures of the agent spend page from the figures of agent_spend_summary and
    sessions_summary (magistrates' courts) for [this period, the previous period] (worked out by
    `ui.period_figures`, from the trends' months where they cover the period), each change
    judged by its measure's better direction. Statuses are the measures' SPC variation and
    assurance (`ui.status_line`), not a judgement of one figure."""
    (now, before), (s_now, s_before) = spend, share
    per_month = fmt_value(now.get("avg_monthly_spend"), "£")
    spend_m, cost_m, share_m = (
        ms["agent_spend"],
        ms["cost_per_agent_session"],
        ms["agent_session_share"],
    )
    return [
        Kpi("Total spend", now.get("total_spend"), "£", before.get("total_spend"),
            spend_m.better, help=f"Agent and counsel fees, all crime; {per_month} a month."),
        Kpi("Agent fees", now.get("agent_fees"), "£", before.get("agent_fees"), spend_m.better,
            help="Agent session fees, magistrates' courts, all crime."),
        Kpi("Counsel fees", now.get("counsel_fees"), "£", before.get("counsel_fees"),
            spend_m.better, help="External counsel fees, Crown Court, all crime."),
        Kpi("Cost per session", now.get("cost_per_agent_session"), "£",
            before.get("cost_per_agent_session"), cost_m.better,
            help="Agent fees ÷ sessions agents covered."),
        Kpi("Agent share", s_now.get("agent_share"), "%", s_before.get("agent_share"),
            share_m.better, help="Magistrates' court sessions prosecuted by an agent."),
    ]  # fmt: skip


def session_kpis(now: Mapping, before: Mapping, share: Measure) -> list[Kpi]:
    """Headline figures of the court sessions page from sessions_summary of [this, previous],
    each change judged by the agent share measure's better direction."""
    return [
        Kpi("Sessions listed", now.get("sessions"), "", before.get("sessions"), "lower",
            help="Fewer, fuller sessions need fewer prosecutors."),
        Kpi("In-house", now.get("in_house_share"), "%", before.get("in_house_share"),
            better="higher",
            help=f"{fmt_value(now.get('in_house_sessions'), '')} sessions prosecuted in-house."),
        Kpi("Agent", now.get("agent_share"), "%", before.get("agent_share"), share.better,
            help=f"{fmt_value(now.get('agent_sessions'), '')} sessions covered by agents."),
        Kpi("Agent sessions", now.get("agent_sessions"), "", before.get("agent_sessions"),
            share.better),
    ]  # fmt: skip
