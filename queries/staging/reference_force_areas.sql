-- staging: reference/force_areas.csv — police force areas as CPS spells them, and their CPS Area.
-- Reads raw_reference_force_areas (text, one row per file line).
-- Returns one row per force: file, line, force_area, cps_area, problems. Any CPS Area name is
-- accepted (a new one makes a new area); a force given twice among the valid lines is rejected
-- the second time.
WITH checked AS (
    SELECT file, line, _fields, trim(force_area) AS force_area, trim(cps_area) AS cps_area,
        list_filter([
            CASE WHEN coalesce(trim(force_area), '') = '' THEN problem(
                'force_area', force_area, 'a police force area as CPS spells it') END,
            CASE WHEN coalesce(trim(cps_area), '') = '' THEN problem(
                'cps_area', cps_area, 'the name of its CPS Area, e.g. West Midlands') END
        ], lambda p: p IS NOT NULL) AS problems
    FROM raw_reference_force_areas
)
SELECT file, line, _fields, force_area, cps_area,
    CASE WHEN len(problems) = 0 AND row_number() OVER (
            PARTITION BY force_area, len(problems) = 0 ORDER BY line) > 1
         THEN [problem('force_area', force_area, 'each police force area once')]
         ELSE problems END AS problems
FROM checked
