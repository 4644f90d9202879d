-- Share of magistrates' court sessions prosecuted by agents, by month, for one area (sample extract).
-- grain: one row per month that has magistrates' court sessions
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), sessions (magistrates' court sessions listed), agent_sessions, in_house_sessions, agent_share (% of sessions covered by agents, one decimal, half-up)
-- Summed from court_session_cells (queries/derived: the sessions counted by month, court type, police force area, court centre and list type), not read from every session on each run.
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(sessions)::BIGINT AS sessions,
    sum(agent_sessions)::BIGINT AS agent_sessions,
    sum(in_house_sessions)::BIGINT AS in_house_sessions,
    rate_half_up(sum(agent_sessions), sum(sessions)) AS agent_share
FROM court_session_cells  -- queries/shared/sessions.sql: session_counts; queries/derived
WHERE session_counts(court_type, force_area, 'Magistrates'' court', $area)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
ORDER BY month
