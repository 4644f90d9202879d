-- court_session_cells: the court sessions of stg_court_sessions counted once for every month,
-- court type, police force area, court centre and list type, in-house and agent, morning and
-- afternoon, for the sessions_ and agent_share_ queries to sum with session_counts: each of them
-- read every session again on every run (89,513 in the sample; 3,848 cells).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: court_sessions
CREATE OR REPLACE TABLE court_session_cells AS
SELECT
    date_trunc('month', session_date)::DATE AS month,
    court_type,
    force_area,
    court_centre,
    list_type,
    count(*) AS sessions,
    count(*) FILTER (WHERE prosecutor = 'In-house') AS in_house_sessions,
    count(*) FILTER (WHERE prosecutor = 'Agent') AS agent_sessions,
    count(*) FILTER (WHERE sitting = 'AM') AS am_sessions,
    count(*) FILTER (WHERE sitting = 'PM') AS pm_sessions,
    count(*) FILTER (WHERE sitting = 'AM' AND prosecutor = 'Agent') AS am_agent_sessions,
    count(*) FILTER (WHERE sitting = 'PM' AND prosecutor = 'Agent') AS pm_agent_sessions
FROM stg_court_sessions
GROUP BY ALL
ORDER BY ALL;
