-- staging: flagged_outcomes — hate crime and domestic abuse flagged case outcomes (sample).
-- Reads raw_flagged_outcomes (text, one row per file line).
-- Returns one row per line: file, line, month (DATE, first of month), force_area, court_type,
-- flag, offence_category, convictions, unsuccessful, problems. A key (month, force, court type,
-- flag, category) given twice is rejected the second time.
WITH typed AS (
    SELECT file, line, _fields,
        month AS month_raw, convictions AS conv_raw, unsuccessful AS uns_raw,
        try_strptime(trim(month), '%Y-%m')::DATE AS month,
        trim(force_area) AS force_area, trim(court_type) AS court_type, trim(flag) AS flag,
        trim(offence_category) AS offence_category,
        parse_count(convictions) AS convictions, parse_count(unsuccessful) AS unsuccessful
    FROM raw_flagged_outcomes
),
ranked AS (
    SELECT *,
        row_number() OVER w AS key_rank,
        first_value(file || ' line ' || line) OVER w AS key_first
    FROM typed
    WINDOW w AS (PARTITION BY month, force_area, court_type, flag, offence_category
                 ORDER BY file, line)
)
SELECT file, line, _fields, month, force_area, court_type, flag, offence_category,
    convictions, unsuccessful,
    list_filter([
        CASE WHEN month IS NULL THEN problem('month', month_raw, 'a month as YYYY-MM, e.g. 2017-10') END,
        CASE WHEN NOT known('force_area', force_area) THEN problem(
            'force_area', force_area, 'a police force area in data/reference/force_areas.csv') END,
        CASE WHEN NOT known('court_type', court_type) THEN problem(
            'court_type', court_type, one_of('court_type')) END,
        CASE WHEN NOT known('flag', flag) THEN problem('flag', flag, one_of('flag')) END,
        CASE WHEN NOT known('offence_category', offence_category) THEN problem(
            'offence_category', offence_category,
            'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
        CASE WHEN convictions IS NULL OR convictions < 0 THEN problem(
            'convictions', conv_raw, 'a whole number of defendants, 0 or more') END,
        CASE WHEN unsuccessful IS NULL OR unsuccessful < 0 THEN problem(
            'unsuccessful', uns_raw, 'a whole number of defendants, 0 or more') END,
        CASE WHEN key_rank > 1 THEN problem(
            '(whole line)', strftime(month, '%Y-%m') || ', ' || force_area || ', ' || court_type
                || ', ' || flag || ', ' || offence_category,
            'each month, force, court type, flag and category once; already at ' || key_first) END
    ], lambda p: p IS NOT NULL) AS problems
FROM ranked
