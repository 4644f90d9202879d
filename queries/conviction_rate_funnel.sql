-- Conviction rate of every police force area (or every CPS Area) over a period, with unadjusted funnel limits for its number of cases (the fair comparison of units of different size).
-- grain: one row per unit with cases in the period (units with no cases are left out: compare with ref_force_areas for the full list of force_area and cps_area)
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (sample, four West Midlands forces only: no fair comparison), or one of the 12 CPS offence categories
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- param level: force | force (each police force area as CPS spells it) or area (each CPS Area, "CPS <Area>": 13 units; London North and South share the force row Metropolitan and City)
-- returns: unit, cases (convictions + unsuccessful; administratively finalised left out), convictions, conviction_rate (% to one decimal, half-up), p0 (national rate %, unrounded: the National row's convictions ÷ cases, or the units' total where there is no National row), p0_source, lower_95, upper_95, lower_998, upper_998 (p0 ± z·√(p0(1−p0)/cases), z = 1.959964 and 3.090232, %, clipped to 0–100), position_95, position_998 (above, within or below, on the unrounded rate)
WITH outcomes AS (
    SELECT force_area, convictions, unsuccessful
    FROM stg_case_outcomes
    WHERE cps_order <= 12 AND ($crime_type = 'All crime' OR offence_category = $crime_type)
      AND month BETWEEN month_start($start) AND month_start($end)
    UNION ALL
    SELECT force_area, convictions, unsuccessful
    FROM stg_flagged_outcomes
    WHERE flag = $crime_type
      AND month BETWEEN month_start($start) AND month_start($end)
),
units AS (
    SELECT CASE WHEN $level = 'area' THEN 'CPS ' || r.cps_area ELSE o.force_area END AS unit,
        sum(o.convictions)::BIGINT AS convictions,
        sum(o.convictions + o.unsuccessful)::BIGINT AS cases
    FROM outcomes o
    JOIN ref_force_areas r ON r.force_area = o.force_area
    GROUP BY ALL
    HAVING sum(o.convictions + o.unsuccessful) > 0
),
national AS (
    SELECT sum(convictions) AS convictions, sum(convictions + unsuccessful) AS cases
    FROM outcomes
    WHERE force_area = 'National'
),
centre AS (
    SELECT CASE WHEN n.cases > 0 THEN n.convictions / n.cases
                ELSE (SELECT sum(convictions) / sum(cases) FROM units) END AS p,
        CASE WHEN n.cases > 0 THEN 'National row' ELSE 'total of the units' END AS p0_source
    FROM national n
),
limits AS (
    SELECT u.*, c.p, c.p0_source,
        100.0 * u.convictions / u.cases AS rate,
        sqrt(c.p * (1 - c.p) / u.cases) AS se
    FROM units u CROSS JOIN centre c
),
bounded AS (
    SELECT *,
        greatest(0, least(100, 100 * (p - 1.959964 * se))) AS lower_95,
        greatest(0, least(100, 100 * (p + 1.959964 * se))) AS upper_95,
        greatest(0, least(100, 100 * (p - 3.090232 * se))) AS lower_998,
        greatest(0, least(100, 100 * (p + 3.090232 * se))) AS upper_998
    FROM limits
)
SELECT unit, cases, convictions,
    rate_half_up(convictions, cases) AS conviction_rate,
    100 * p AS p0, p0_source,
    lower_95, upper_95, lower_998, upper_998,
    CASE WHEN rate > upper_95 THEN 'above' WHEN rate < lower_95 THEN 'below' ELSE 'within' END
        AS position_95,
    CASE WHEN rate > upper_998 THEN 'above' WHEN rate < lower_998 THEN 'below' ELSE 'within' END
        AS position_998
FROM bounded
WHERE CASE WHEN $level IN ('force', 'area') THEN true
           ELSE error('level is ''' || $level || '''; expected force or area') END
ORDER BY unit
