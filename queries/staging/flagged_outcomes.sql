-- staging: flagged_outcomes — hate crime and domestic abuse flagged case outcomes (sample).
-- Reads raw_flagged_outcomes (text, one row per file line).
-- Returns one row per line: file, line, month (DATE, first of month), force_area, court_type,
-- flag, offence_category, convictions, unsuccessful, problems. A key (month, force, court type,
-- flag, category) given twice among the valid lines is rejected the second time; a line rejected
-- for a bad value does not count, so a corrected repeat of it loads. A month starting more than
-- past_margin() days beyond the file's period (date_anchors) is rejected.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.month AS month_raw, r.convictions AS conv_raw, r.unsuccessful AS uns_raw,
        try_strptime(tidy(r.month), '%Y-%m')::DATE AS month,
        tidy(r.force_area) AS force_area, tidy(r.court_type) AS court_type, tidy(r.flag) AS flag,
        tidy(r.offence_category) AS offence_category,
        parse_count(r.convictions) AS convictions, parse_count(r.unsuccessful) AS unsuccessful,
        a.anchor, a.basis
    FROM raw_flagged_outcomes r
    LEFT JOIN date_anchors a ON a.extract = 'flagged_outcomes' AND a.file = r.file
    LEFT JOIN load_files f ON f.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, month, force_area, court_type, flag, offence_category,
    convictions, unsuccessful, whole_line,
    list_filter([
        CASE WHEN month IS NULL THEN problem('month', month_raw, 'a month as YYYY-MM, e.g. 2017-10') END,
        -- a month is judged by its first day
        beyond_period('month', month_raw, month, anchor, basis, past_margin()),
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
            'unsuccessful', uns_raw, 'a whole number of defendants, 0 or more') END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
),
-- keys given more than once among valid lines, and the line that gave each first (hash
-- aggregates over the keys)
keyed AS (
    SELECT *, {'month': month, 'force_area': force_area, 'court_type': court_type, 'flag': flag,
               'offence_category': offence_category} AS k
    FROM checked
),
firsts AS (
    SELECT k, min({'file': file, 'line': line}) AS first_at
    FROM keyed WHERE whole_line AND len(problems) = 0
    GROUP BY 1 HAVING count(*) > 1
)
SELECT c.file, c.line, c._fields, c.month, c.force_area, c.court_type, c.flag, c.offence_category,
    c.convictions, c.unsuccessful,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('(whole line)', strftime(c.month, '%Y-%m') || ', ' || c.force_area || ', '
                       || c.court_type || ', ' || c.flag || ', ' || c.offence_category,
                       'each month, force, court type, flag and category once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM keyed c
LEFT JOIN firsts d ON d.k = c.k
