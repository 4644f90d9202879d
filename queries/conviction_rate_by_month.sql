-- Conviction rate by month for one area and crime type.
-- Each month says whether its total is whole: which police force areas it is made of and which loaded.
-- grain: one row per month covered: each month whose CPS file loaded (All crime, offence categories), or each month of the flagged sample (flags); a month with no cases has zero counts and an empty rate; no rows for a crime type or area with no data at all
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse, or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), convictions, unsuccessful, conviction_rate (administratively finalised cases left out, as they have no offence category; % to one decimal, half-up; empty when there are no cases), admin_finalised (All crime only), headline_rate (CPS headline rate: administratively finalised cases counted as unsuccessful; All crime only), forces_expected (the police force areas the total is made of; National is one unit, its own published row; a force is 1), forces_included (those whose figures for the month loaded whole; for All crime, all 12 categories and admin finalised), missing (the ones left out, '; '-separated, with the categories missing where only some are: 'Warwickshire (Burglary)'), source
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(convictions)::BIGINT AS convictions,
    sum(unsuccessful)::BIGINT AS unsuccessful,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate,
    CASE WHEN $crime_type = 'All crime' THEN sum(admin_finalised)::BIGINT END AS admin_finalised,
    CASE WHEN $crime_type = 'All crime' THEN rate_half_up(
        sum(convictions),
        sum(convictions) + sum(unsuccessful) + sum(admin_finalised)) END AS headline_rate,
    count(*)::BIGINT AS forces_expected,
    count(*) FILTER (WHERE included)::BIGINT AS forces_included,
    string_agg(missing, '; ' ORDER BY unit) AS missing,
    min(source) AS source
FROM outcome_units  -- outcomes_by_unit (queries/shared/outcomes.sql) for every unit: queries/derived
WHERE crime_type = $crime_type AND in_area(unit, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
ORDER BY month
