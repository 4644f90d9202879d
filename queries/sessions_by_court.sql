-- Court sessions listed by court centre, in-house and agent, for one area over a period (sample extract; no crime-type dimension).
-- grain: one row per court centre that has sessions, the highest agent share first
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param court_type: Magistrates' court | Magistrates' court, Crown Court or All courts
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: court_centre, court_type, force_area, sessions, in_house_sessions, agent_sessions, agent_share (% of sessions covered by agents, one decimal, half-up), am_sessions, pm_sessions
-- Summed from court_session_cells (queries/derived: the sessions counted by month, court type, police force area, court centre and list type), not read from every session on each run.
SELECT
    court_centre,
    court_type,
    force_area,
    sum(sessions)::BIGINT AS sessions,
    sum(in_house_sessions)::BIGINT AS in_house_sessions,
    sum(agent_sessions)::BIGINT AS agent_sessions,
    rate_half_up(sum(agent_sessions), sum(sessions)) AS agent_share,
    sum(am_sessions)::BIGINT AS am_sessions,
    sum(pm_sessions)::BIGINT AS pm_sessions
FROM court_session_cells  -- queries/shared/sessions.sql: session_counts; queries/derived
WHERE session_counts(court_type, force_area, $court_type, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY court_centre, court_type, force_area
ORDER BY agent_share DESC, sessions DESC, court_centre
