-- Conviction rate over a whole period for each of several areas and a crime type (one figure an area, with its counts), and whether it is whole: one statement for the areas a chart compares.
-- grain: one row per area asked for, in the order asked (no row for an area with no cases of that crime type in the period)
-- param areas: CPS West Midlands | the areas, separated by ';': each a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse, or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: area, convictions, unsuccessful, cases, conviction_rate (% to one decimal, half-up; administratively finalised cases left out), admin_finalised (All crime only), headline_rate (CPS headline: admin finalised counted as unsuccessful; All crime only), months (months covered), forces_expected (as conviction_rate_by_month), forces_included (those whole in every month covered), missing ('Warwickshire (Burglary) in Jan 2016; …')
WITH asked AS (
    SELECT unnest(string_split($areas, ';')) AS area,
        generate_subscripts(string_split($areas, ';'), 1) AS n
),
units AS (  -- each area asked for with the rows of its units
    SELECT a.area, a.n, u.*
    FROM asked a
    JOIN outcome_units u  -- outcomes_by_unit (queries/shared/outcomes.sql): queries/derived
        ON in_area(u.unit, a.area)
    WHERE u.crime_type = $crime_type
      AND u.month BETWEEN month_start($start) AND month_start($end)
)
SELECT
    area,
    sum(convictions)::BIGINT AS convictions,
    sum(unsuccessful)::BIGINT AS unsuccessful,
    sum(convictions + unsuccessful)::BIGINT AS cases,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate,
    CASE WHEN $crime_type = 'All crime' THEN sum(admin_finalised)::BIGINT END AS admin_finalised,
    CASE WHEN $crime_type = 'All crime' THEN rate_half_up(
        sum(convictions),
        sum(convictions) + sum(unsuccessful) + sum(admin_finalised)) END AS headline_rate,
    count(DISTINCT month) AS months,
    count(DISTINCT unit)::BIGINT AS forces_expected,
    (count(DISTINCT unit) - count(DISTINCT unit) FILTER (WHERE NOT included))::BIGINT
        AS forces_included,
    string_agg(missing || ' in ' || strftime(month, '%b %Y'), '; ' ORDER BY month, unit)
        AS missing
FROM units
GROUP BY area, n
HAVING sum(convictions + unsuccessful) > 0
ORDER BY n
