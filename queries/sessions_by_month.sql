-- Court sessions listed by month, in-house and agent, for one area (sample extract; no crime-type dimension).
-- grain: one row per month that has sessions
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param court_type: Magistrates' court | Magistrates' court, Crown Court or All courts
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), sessions, in_house_sessions, agent_sessions, agent_share (% of sessions covered by agents, one decimal, half-up), am_sessions, pm_sessions
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT strftime(month, '%Y-%m') AS month, sessions, in_house_sessions, agent_sessions, agent_share, am_sessions, pm_sessions
FROM (
    SELECT
        date_trunc('month', session_date) AS month,
        count(*) AS sessions,
        count(*) FILTER (WHERE prosecutor = 'In-house') AS in_house_sessions,
        count(*) FILTER (WHERE prosecutor = 'Agent') AS agent_sessions,
        rate_half_up(count(*) FILTER (WHERE prosecutor = 'Agent'), count(*)) AS agent_share,
        count(*) FILTER (WHERE sitting = 'AM') AS am_sessions,
        count(*) FILTER (WHERE sitting = 'PM') AS pm_sessions
    FROM stg_court_sessions
    WHERE ($court_type = 'All courts' OR court_type = $court_type)
      AND in_area(force_area, $area)
      AND session_date >= month_start($start)
      AND session_date < month_start($end) + INTERVAL 1 MONTH
    GROUP BY 1
)
ORDER BY 1
