-- Conviction rate over a whole period for one area and crime type (one figure, with its counts), and whether it is whole.
-- grain: one row (no row when the area has no cases of that crime type in the period)
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse, or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: area, convictions, unsuccessful, cases, conviction_rate (% to one decimal, half-up; administratively finalised cases left out), admin_finalised (All crime only), headline_rate (CPS headline: admin finalised counted as unsuccessful; All crime only), months (months covered), forces_expected (as conviction_rate_by_month), forces_included (those whole in every month covered), missing ('Warwickshire (Burglary) in Jan 2016; …')
WITH units AS (
    SELECT * FROM outcomes_by_unit($area, $crime_type, $start, $end)
)
SELECT
    $area AS area,
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
HAVING sum(convictions + unsuccessful) > 0
