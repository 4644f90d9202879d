-- staging: tsj_reviews — Transforming Summary Justice case reviews with due and completion dates
-- (sample). Reads raw_tsj_reviews (text, one row per file line).
-- Returns one row per review: file, line, review_id, force_area, court_centre, offence_category,
-- plea_type, review_type, due_date, completed_date (DATE; NULL while open), team, problems.
-- TSJ is summary justice: the court must be a magistrates' court of the reference list, and the
-- force its own. A file holds the reviews DUE in its period: a due date more than past_margin()
-- days after the file's period (date_anchors) is rejected. A completion after the extract's last
-- date (the latest period of the files, no margin: nothing can be done after the extract was made)
-- is impossible, and so is one more than a year (366 days) before the due date (a review falls
-- due within weeks of the file reaching CPS); a completion before the due date is otherwise fine.
-- A review id given twice among the valid lines is rejected the second time; a line rejected for
-- a bad value does not count, so a corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 9) AS whole_line,
        r.due_date AS due_raw, r.completed_date AS completed_raw,
        tidy(r.review_id) AS review_id, tidy(r.force_area) AS force_area,
        tidy(r.court_centre) AS court_centre, c.court_type, c.force_area AS court_force,
        tidy(r.offence_category) AS offence_category, tidy(r.plea_type) AS plea_type,
        tidy(r.review_type) AS review_type, tidy(r.team) AS team,
        parse_date(r.due_date) AS due_date, parse_date(r.completed_date) AS completed_date,
        a.anchor, a.basis,
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'tsj_reviews') AS latest
    FROM raw_tsj_reviews r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'tsj_reviews' AND a.file = r.file
    LEFT JOIN ref_court_centres c ON c.court_centre = tidy(r.court_centre)
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, review_id, force_area, court_centre, offence_category, plea_type,
        review_type, due_date, completed_date, team, whole_line,
        list_filter([
            CASE WHEN coalesce(review_id, '') = '' THEN problem(
                'review_id', review_id, 'a review id') END,
            CASE WHEN NOT known('force_area', force_area) THEN problem(
                'force_area', force_area, 'a police force area in data/reference/force_areas.csv')
                WHEN court_force IS NOT NULL AND force_area <> court_force THEN problem(
                'force_area', force_area, court_force || ', the force area of ' || court_centre)
                END,
            CASE WHEN court_type IS NULL THEN problem(
                'court_centre', court_centre, 'a court centre in data/reference/court_centres.csv')
                WHEN court_type <> 'Magistrates'' court' THEN problem(
                'court_centre', court_centre,
                'a magistrates'' court (TSJ reviews are for summary cases), not a '
                || court_type || ' centre') END,
            CASE WHEN NOT known('offence_category', offence_category) THEN problem(
                'offence_category', offence_category,
                'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
            CASE WHEN NOT known('plea_type', plea_type) THEN problem(
                'plea_type', plea_type, one_of('plea_type')) END,
            CASE WHEN NOT known('review_type', review_type) THEN problem(
                'review_type', review_type, one_of('review_type')) END,
            CASE WHEN due_date IS NULL THEN problem(
                'due_date', due_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
            beyond_period('due_date', due_raw, due_date, anchor, basis, past_margin()),
            CASE WHEN coalesce(tidy(completed_raw::VARCHAR), '') <> '' AND completed_date IS NULL THEN problem(
                'completed_date', completed_raw, 'empty while open, or a real date as YYYY-MM-DD')
                WHEN completed_date > latest THEN problem(
                'completed_date', completed_raw, 'a date on or before '
                || strftime(latest, '%Y-%m-%d')
                || ', the last date of the extract (the end of the latest period of its files)')
                -- (a due date itself beyond the period is the one fault reported)
                WHEN completed_date < due_date - 366
                     AND coalesce(due_date <= anchor + past_margin(), true) THEN problem(
                'completed_date', completed_raw, 'a completion at most a year before the due date '
                || strftime(due_date, '%Y-%m-%d') || ' (a mistyped year?)') END,
            CASE WHEN NOT known('team', team) THEN problem('team', team, one_of('team')) END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- Review ids given more than once among valid lines, and the line that gave each first (hash
-- aggregates; only the lines of ids given twice in the files are checked again here).
repeated AS (
    SELECT tidy(review_id) AS review_id FROM raw_tsj_reviews GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT review_id, file, line FROM checked
    WHERE review_id IN (SELECT review_id FROM repeated) AND whole_line AND len(problems) = 0
),
firsts AS (
    SELECT review_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE review_id IN (SELECT review_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.review_id, c.force_area, c.court_centre, c.offence_category,
    c.plea_type, c.review_type, c.due_date, c.completed_date, c.team,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('review_id', c.review_id, 'each review id once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.review_id = c.review_id
