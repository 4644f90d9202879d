-- staging: reference/court_centres.csv — the Area's court centres.
-- Reads raw_reference_court_centres (text, one row per file line).
-- Returns one row per court centre: file, line, court_centre, court_type, force_area, problems.
-- The force area must be one in reference/force_areas.csv; a court centre given twice among the
-- valid lines is rejected the second time.
WITH checked AS (
    SELECT file, line, _fields, trim(court_centre) AS court_centre,
        trim(court_type) AS court_type, trim(force_area) AS force_area,
        list_filter([
            CASE WHEN coalesce(trim(court_centre), '') = '' THEN problem(
                'court_centre', court_centre, 'the name of a court centre') END,
            CASE WHEN NOT known('court_type', trim(court_type)) THEN problem(
                'court_type', court_type, one_of('court_type')) END,
            CASE WHEN NOT known('force_area', trim(force_area)) THEN problem(
                'force_area', force_area, 'a police force area in reference/force_areas.csv') END
        ], lambda p: p IS NOT NULL) AS problems
    FROM raw_reference_court_centres
)
SELECT file, line, _fields, court_centre, court_type, force_area,
    CASE WHEN len(problems) = 0 AND row_number() OVER (
            PARTITION BY court_centre, len(problems) = 0 ORDER BY line) > 1
         THEN [problem('court_centre', court_centre, 'each court centre once')]
         ELSE problems END AS problems
FROM checked
