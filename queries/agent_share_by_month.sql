-- Share of magistrates' court sessions prosecuted by agents, by month, for one area (sample extract).
-- grain: one row per month that has magistrates' court sessions
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), sessions (magistrates' court sessions listed), agent_sessions, in_house_sessions, agent_share (% of sessions covered by agents, one decimal, half-up)
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT strftime(month, '%Y-%m') AS month, sessions, agent_sessions, in_house_sessions, agent_share
FROM (
    SELECT
        date_trunc('month', session_date) AS month,
        count(*) AS sessions,
        count(*) FILTER (WHERE prosecutor = 'Agent') AS agent_sessions,
        count(*) FILTER (WHERE prosecutor = 'In-house') AS in_house_sessions,
        rate_half_up(count(*) FILTER (WHERE prosecutor = 'Agent'), count(*)) AS agent_share
    FROM stg_court_sessions
    WHERE court_type = 'Magistrates'' court'
      AND in_area(force_area, $area)
      AND session_date >= month_start($start)
      AND session_date < month_start($end) + INTERVAL 1 MONTH
    GROUP BY 1
)
ORDER BY 1
