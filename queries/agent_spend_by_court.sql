-- Agent session fees and external counsel fees by court centre for one area over a period (sample extract).
-- grain: one row per court centre and spend type that has payments
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param crime_type: All crime | All crime or one of the 12 CPS offence categories; applies to external counsel fees only (agent session fees are mostly not recorded by offence category, so they are always all crime)
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: court_centre, court_type, force_area, spend_type, amount_gbp (£), payments, agent_sessions (agent sessions paid; 0 for counsel), cost_per_session (£, agent fees ÷ agent sessions, 2 dp, half-up; empty for counsel)
SELECT
    court_centre,
    court_type,
    force_area,
    spend_type,
    sum(amount_gbp)::DOUBLE AS amount_gbp,
    count(*) AS payments,
    sum(sessions)::BIGINT AS agent_sessions,
    money_half_up(sum(amount_gbp), sum(sessions))::DOUBLE AS cost_per_session
FROM stg_agent_spend
WHERE in_area(force_area, $area)
  AND payment_date >= month_start($start)
  AND payment_date < month_start($end) + INTERVAL 1 MONTH
  AND (spend_type = 'Agent session fee' OR $crime_type = 'All crime'
       OR offence_category = $crime_type)
GROUP BY court_centre, court_type, force_area, spend_type
ORDER BY spend_type, amount_gbp DESC, court_centre
