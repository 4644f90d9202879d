-- Hate crime and domestic abuse conviction rates by court type for one area over a period (sample).
-- grain: one row per flag and court type that has cases
-- param area: CPS West Midlands | one of the four West Midlands forces or CPS West Midlands (the sample covers only these)
-- param crime_type: All crime | All crime or a flag shows both flags (or that flag); an offence category narrows both flags to it
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: flag, court_type, convictions, unsuccessful, cases, conviction_rate (% to one decimal, half-up)
SELECT
    flag,
    court_type,
    sum(convictions)::BIGINT AS convictions,
    sum(unsuccessful)::BIGINT AS unsuccessful,
    sum(convictions + unsuccessful)::BIGINT AS cases,
    rate_half_up(sum(convictions), sum(convictions) + sum(unsuccessful)) AS conviction_rate
FROM stg_flagged_outcomes
WHERE in_area(force_area, $area)
  AND month BETWEEN month_start($start) AND month_start($end)
  AND ($crime_type = 'All crime' OR flag = $crime_type OR offence_category = $crime_type)
GROUP BY flag, court_type
HAVING sum(convictions + unsuccessful) > 0
ORDER BY flag DESC, court_type DESC
