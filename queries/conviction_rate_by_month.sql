-- Conviction rate by month for one area and crime type.
-- grain: one row per month that has finalised cases
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse, or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), convictions, unsuccessful, conviction_rate (% to one decimal, half-up; administratively finalised cases left out), admin_finalised (All crime only), headline_rate (CPS headline rate: administratively finalised cases counted as unsuccessful; All crime only), source
WITH outcomes AS (
    SELECT month, force_area, convictions, unsuccessful, 0 AS admin, 'CPS published' AS source
    FROM stg_case_outcomes
    WHERE cps_order <= 12 AND ($crime_type = 'All crime' OR offence_category = $crime_type)
    UNION ALL
    SELECT month, force_area, 0, 0, unsuccessful, 'CPS published'
    FROM stg_case_outcomes
    WHERE cps_order = 13 AND $crime_type = 'All crime'
    UNION ALL
    SELECT month, force_area, convictions, unsuccessful, 0, 'Synthetic sample'
    FROM stg_flagged_outcomes
    WHERE flag = $crime_type
)
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(convictions)::BIGINT AS convictions,
    sum(unsuccessful)::BIGINT AS unsuccessful,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate,
    CASE WHEN $crime_type = 'All crime' THEN sum(admin)::BIGINT END AS admin_finalised,
    CASE WHEN $crime_type = 'All crime' THEN rate_half_up(
        sum(convictions), sum(convictions) + sum(unsuccessful) + sum(admin)) END AS headline_rate,
    min(source) AS source
FROM outcomes
WHERE in_area(force_area, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
HAVING sum(convictions) + sum(unsuccessful) > 0
ORDER BY month
