-- Court sessions listed over a whole period for one area, in-house and agent (sample extract; no crime-type dimension).
-- grain: one row for the period (zeros and empty shares when it has no sessions)
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param court_type: Magistrates' court | Magistrates' court, Crown Court or All courts
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: sessions, in_house_sessions, agent_sessions, in_house_share (% of sessions, one decimal, half-up), agent_share (% of sessions, one decimal, half-up), months (months with sessions)
SELECT
    count(*) AS sessions,
    count(*) FILTER (WHERE prosecutor = 'In-house') AS in_house_sessions,
    count(*) FILTER (WHERE prosecutor = 'Agent') AS agent_sessions,
    rate_half_up(count(*) FILTER (WHERE prosecutor = 'In-house'), count(*)) AS in_house_share,
    rate_half_up(count(*) FILTER (WHERE prosecutor = 'Agent'), count(*)) AS agent_share,
    count(DISTINCT date_trunc('month', session_date)) AS months
FROM stg_court_sessions
WHERE ($court_type = 'All courts' OR court_type = $court_type)
  AND in_area(force_area, $area)
  AND session_date >= month_start($start)
  AND session_date < month_start($end) + INTERVAL 1 MONTH
