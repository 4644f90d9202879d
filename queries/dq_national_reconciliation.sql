-- The published National row against the sum of the 42 police force area rows, per month and offence category.
-- grain: one row per month and offence category (administratively finalised included) in the case outcomes loaded
-- returns: month (YYYY-MM), offence_category, cps_order (13 = administratively finalised), force_rows (force area rows loaded that month), national_convictions, forces_convictions, convictions_difference (National minus forces), national_unsuccessful, forces_unsuccessful, unsuccessful_difference, biggest_difference (the larger absolute difference), matches (both differences 0 and a National row present)
WITH by_side AS (
    SELECT month, offence_category, cps_order,
        sum(convictions) FILTER (WHERE force_area = 'National') AS national_convictions,
        sum(unsuccessful) FILTER (WHERE force_area = 'National') AS national_unsuccessful,
        coalesce(sum(convictions) FILTER (WHERE force_area <> 'National'), 0) AS forces_convictions,
        coalesce(sum(unsuccessful) FILTER (WHERE force_area <> 'National'), 0)
            AS forces_unsuccessful,
        count(DISTINCT force_area) FILTER (WHERE force_area <> 'National') AS force_rows
    FROM stg_case_outcomes
    GROUP BY month, offence_category, cps_order
)
SELECT
    strftime(month, '%Y-%m') AS month,
    offence_category,
    cps_order,
    force_rows,
    national_convictions::BIGINT AS national_convictions,
    forces_convictions::BIGINT AS forces_convictions,
    (national_convictions - forces_convictions)::BIGINT AS convictions_difference,
    national_unsuccessful::BIGINT AS national_unsuccessful,
    forces_unsuccessful::BIGINT AS forces_unsuccessful,
    (national_unsuccessful - forces_unsuccessful)::BIGINT AS unsuccessful_difference,
    greatest(abs(national_convictions - forces_convictions),
             abs(national_unsuccessful - forces_unsuccessful))::BIGINT AS biggest_difference,
    coalesce(national_convictions = forces_convictions
             AND national_unsuccessful = forces_unsuccessful, false) AS matches
FROM by_side
ORDER BY month, cps_order
