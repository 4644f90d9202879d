-- Agent and external counsel spend by month for one area (sample extract; no crime-type dimension for agent session fees).
-- grain: one row per month that has payments
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), agent_fees (£), counsel_fees (£), total_spend (£), agent_sessions (sessions paid to agents), cost_per_agent_session (£, agent fees ÷ agent sessions, 2 dp, half-up), payments
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT strftime(month, '%Y-%m') AS month, agent_fees, counsel_fees, total_spend, agent_sessions, cost_per_agent_session, payments
FROM (
    SELECT
        date_trunc('month', payment_date) AS month,
        coalesce(sum(amount_gbp) FILTER (WHERE spend_type = 'Agent session fee'), 0)::DOUBLE
            AS agent_fees,
        coalesce(sum(amount_gbp) FILTER (WHERE spend_type = 'External counsel fee'), 0)::DOUBLE
            AS counsel_fees,
        sum(amount_gbp)::DOUBLE AS total_spend,
        coalesce(sum(sessions) FILTER (WHERE spend_type = 'Agent session fee'), 0)::BIGINT
            AS agent_sessions,
        money_half_up(sum(amount_gbp) FILTER (WHERE spend_type = 'Agent session fee'),
                      sum(sessions) FILTER (WHERE spend_type = 'Agent session fee'))::DOUBLE
            AS cost_per_agent_session,
        count(*) AS payments
    FROM stg_agent_spend
    WHERE in_area(force_area, $area)
      AND payment_date >= month_start($start)
      AND payment_date < month_start($end) + INTERVAL 1 MONTH
    GROUP BY 1
)
ORDER BY 1
