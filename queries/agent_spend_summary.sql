-- Agent and external counsel spend over a whole period for one area (sample extract; all crime).
-- grain: one row for the period (zeros and empty rates when it has no payments)
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: agent_fees (£), counsel_fees (£), total_spend (£), agent_sessions, cost_per_agent_session (£, agent fees ÷ agent sessions, 2 dp, half-up), payments, months (months with payments), avg_monthly_spend (£ total ÷ months with payments, 2 dp, half-up)
SELECT
    coalesce(sum(amount_gbp) FILTER (WHERE spend_type = 'Agent session fee'), 0)::DOUBLE
        AS agent_fees,
    coalesce(sum(amount_gbp) FILTER (WHERE spend_type = 'External counsel fee'), 0)::DOUBLE
        AS counsel_fees,
    coalesce(sum(amount_gbp), 0)::DOUBLE AS total_spend,
    coalesce(sum(sessions) FILTER (WHERE spend_type = 'Agent session fee'), 0)::BIGINT
        AS agent_sessions,
    money_half_up(sum(amount_gbp) FILTER (WHERE spend_type = 'Agent session fee'),
                  sum(sessions) FILTER (WHERE spend_type = 'Agent session fee'))::DOUBLE
        AS cost_per_agent_session,
    count(*) AS payments,
    count(DISTINCT date_trunc('month', payment_date)) AS months,
    money_half_up(sum(amount_gbp), count(DISTINCT date_trunc('month', payment_date)))::DOUBLE
        AS avg_monthly_spend
FROM stg_agent_spend
WHERE in_area(force_area, $area)
  AND payment_date >= month_start($start)
  AND payment_date < month_start($end) + INTERVAL 1 MONTH
