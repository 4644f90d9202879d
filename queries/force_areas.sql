-- The police force areas and the CPS Area each belongs to (data/reference/force_areas.csv).
-- grain: one row per police force area
-- returns: force_area (as CPS spells it), cps_area
SELECT force_area, cps_area
FROM ref_force_areas
ORDER BY force_area
