-- Conviction rate by principal offence category for one area over a period (CPS published data).
-- grain: one row per offence category, the 12 in CPS order (categories with no cases included, rate empty)
-- param area: CPS West Midlands | a police force area as CPS spells it, "CPS <Area>" (its forces summed) or National
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: offence_category, short_name, cps_order, convictions, unsuccessful, cases, conviction_rate (% to one decimal, half-up)
SELECT
    c.offence_category,
    c.short_name,
    c.cps_order,
    coalesce(sum(s.convictions), 0)::BIGINT AS convictions,
    coalesce(sum(s.unsuccessful), 0)::BIGINT AS unsuccessful,
    coalesce(sum(s.convictions + s.unsuccessful), 0)::BIGINT AS cases,
    rate_half_up(sum(s.convictions), sum(s.convictions) + sum(s.unsuccessful)) AS conviction_rate
FROM ref_offence_categories c
LEFT JOIN stg_case_outcomes s
    ON s.offence_category = c.offence_category
    AND in_area(s.force_area, $area)
    AND s.month BETWEEN month_start($start) AND month_start($end)
GROUP BY c.offence_category, c.short_name, c.cps_order
ORDER BY c.cps_order
