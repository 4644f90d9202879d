-- Court sessions listed over a whole period for one area, in-house and agent (sample extract; no crime-type dimension).
-- grain: one row for the period (zeros and empty shares when it has no sessions)
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param court_type: Magistrates' court | Magistrates' court, Crown Court or All courts
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: sessions, in_house_sessions, agent_sessions, in_house_share (% of sessions, one decimal, half-up), agent_share (% of sessions, one decimal, half-up), months (months with sessions)
-- Summed from court_session_cells (queries/derived: the sessions counted by month, court type, police force area, court centre and list type), not read from every session on each run.
SELECT
    coalesce(sum(sessions), 0)::BIGINT AS sessions,
    coalesce(sum(in_house_sessions), 0)::BIGINT AS in_house_sessions,
    coalesce(sum(agent_sessions), 0)::BIGINT AS agent_sessions,
    rate_half_up(sum(in_house_sessions), sum(sessions)) AS in_house_share,
    rate_half_up(sum(agent_sessions), sum(sessions)) AS agent_share,
    count(DISTINCT month) AS months
FROM court_session_cells  -- queries/shared/sessions.sql: session_counts; queries/derived
WHERE session_counts(court_type, force_area, $court_type, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
