-- Agent sessions paid for (agent spend) against magistrates' court sessions prosecuted by an agent (court sessions), per month and police force area.
-- grain: one row per month and police force area present in either extract
-- returns: month (YYYY-MM), force_area, sessions_paid (sessions on agent session fees), sessions_covered (court sessions with prosecutor Agent), difference (paid minus covered), matches
WITH paid AS (
    SELECT date_trunc('month', payment_date)::DATE AS month, force_area,
        sum(sessions) AS sessions_paid
    FROM stg_agent_spend
    WHERE spend_type = 'Agent session fee'
    GROUP BY ALL
),
covered AS (
    SELECT date_trunc('month', session_date)::DATE AS month, force_area,
        count(*) AS sessions_covered
    FROM stg_court_sessions
    WHERE prosecutor = 'Agent'
    GROUP BY ALL
)
SELECT strftime(month, '%Y-%m') AS month, force_area,
    coalesce(sessions_paid, 0)::BIGINT AS sessions_paid,
    coalesce(sessions_covered, 0)::BIGINT AS sessions_covered,
    (coalesce(sessions_paid, 0) - coalesce(sessions_covered, 0))::BIGINT AS difference,
    coalesce(sessions_paid, 0) = coalesce(sessions_covered, 0) AS matches
FROM paid
FULL OUTER JOIN covered USING (month, force_area)
ORDER BY month, force_area
