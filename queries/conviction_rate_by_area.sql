-- Conviction rate over a whole period for one area and crime type (one figure, with its counts).
-- grain: one row (no row when the area has no cases of that crime type in the period)
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse, or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: area, convictions, unsuccessful, cases, conviction_rate (% to one decimal, half-up; administratively finalised cases left out), months (months with data)
WITH outcomes AS (
    SELECT month, force_area, convictions, unsuccessful
    FROM stg_case_outcomes
    WHERE cps_order <= 12 AND ($crime_type = 'All crime' OR offence_category = $crime_type)
    UNION ALL
    SELECT month, force_area, convictions, unsuccessful
    FROM stg_flagged_outcomes
    WHERE flag = $crime_type
)
SELECT
    $area AS area,
    sum(convictions)::BIGINT AS convictions,
    sum(unsuccessful)::BIGINT AS unsuccessful,
    sum(convictions + unsuccessful)::BIGINT AS cases,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate,
    count(DISTINCT month) AS months
FROM outcomes
WHERE in_area(force_area, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
HAVING sum(convictions + unsuccessful) > 0
