-- Conviction rate by principal offence category for one area over a period (CPS published data).
-- A category's total is whole when every force of the area (or National) has its row for every month covered; `missing` names the ones that do not (queries/shared/outcomes.sql, outcome_cells).
-- grain: one row per offence category of CPS's file, the 12 in CPS order (categories with no cases included, rate empty); none when no month of the period has a file
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: offence_category, short_name, cps_order, convictions, unsuccessful, cases (the three counts empty when none of the category's rows loaded: unknown, not 0), conviction_rate (% to one decimal, half-up; empty when no cases or none loaded), missing (the force areas, or National, whose row for the category did not load, as conviction_rate_by_area gives them: 'Warwickshire in Mar 2018; …'; empty when whole)
SELECT
    offence_category,
    short_name,
    cps_order,
    sum(convictions)::BIGINT AS convictions,  -- empty when none of the category's rows loaded
    sum(unsuccessful)::BIGINT AS unsuccessful,
    sum(convictions + unsuccessful)::BIGINT AS cases,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate,
    string_agg(unit || ' in ' || strftime(month, '%b %Y'), '; ' ORDER BY month, unit)
        FILTER (WHERE NOT loaded) AS missing
FROM outcome_cells($area, 'By category', $start, $end)  -- queries/shared/outcomes.sql
GROUP BY offence_category, short_name, cps_order
ORDER BY cps_order
