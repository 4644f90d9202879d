-- staging: court_sessions — every court session listed and who prosecuted it (sample).
-- Reads raw_court_sessions (text, one row per file line).
-- Returns one row per session: file, line, session_id, session_date (DATE), court_centre,
-- court_type, force_area (from the court reference), sitting, list_type, prosecutor, problems.
-- A court type that is not the court's own is rejected, and so is a session date more than
-- past_margin() days beyond the file's period (date_anchors). A session id given twice among the valid
-- lines is rejected the second time; a line rejected for a bad value does not count, so a
-- corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.session_date AS date_raw,
        tidy(r.session_id) AS session_id, parse_date(r.session_date) AS session_date,
        tidy(r.court_centre) AS court_centre, tidy(r.court_type) AS court_type,
        c.court_type AS centre_type, c.force_area,
        tidy(r.sitting) AS sitting, tidy(r.list_type) AS list_type,
        tidy(r.prosecutor) AS prosecutor, a.anchor, a.basis
    FROM raw_court_sessions r
    LEFT JOIN date_anchors a ON a.extract = 'court_sessions' AND a.file = r.file
    LEFT JOIN ref_court_centres c ON c.court_centre = tidy(r.court_centre)
    LEFT JOIN load_files f ON f.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, session_id, session_date, court_centre, court_type, force_area,
    sitting, list_type, prosecutor, whole_line,
    list_filter([
        CASE WHEN coalesce(session_id, '') = '' THEN problem(
            'session_id', session_id, 'a session reference') END,
        CASE WHEN session_date IS NULL THEN problem(
            'session_date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
        beyond_period('session_date', date_raw, session_date, anchor, basis, past_margin()),
        CASE WHEN centre_type IS NULL THEN problem(
            'court_centre', court_centre, 'a court centre in data/reference/court_centres.csv') END,
        CASE WHEN NOT known('court_type', court_type) THEN problem(
            'court_type', court_type, one_of('court_type'))
            WHEN centre_type IS NOT NULL AND court_type <> centre_type THEN problem(
            'court_type', court_type, centre_type || ', the type of ' || court_centre) END,
        CASE WHEN NOT known('sitting', sitting) THEN problem(
            'sitting', sitting, one_of('sitting')) END,
        CASE WHEN NOT known('list_type', list_type) THEN problem(
            'list_type', list_type, one_of('list_type')) END,
        CASE WHEN NOT known('prosecutor', prosecutor) THEN problem(
            'prosecutor', prosecutor, one_of('prosecutor')) END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
),
-- ids given more than once among valid lines, and the line that gave each first (hash
-- aggregates; only the lines of ids given twice in the files are checked again here)
repeated AS (
    SELECT tidy(session_id) AS session_id FROM raw_court_sessions GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT session_id, file, line FROM checked
    WHERE session_id IN (SELECT session_id FROM repeated) AND whole_line AND len(problems) = 0
),
firsts AS (
    SELECT session_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE session_id IN (SELECT session_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.session_id, c.session_date, c.court_centre, c.court_type,
    c.force_area, c.sitting, c.list_type, c.prosecutor,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('session_id', c.session_id, 'each session once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.session_id = c.session_id
