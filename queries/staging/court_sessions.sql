-- staging: court_sessions — every court session listed and who prosecuted it (sample).
-- Reads raw_court_sessions (text, one row per file line).
-- Returns one row per session: file, line, session_id, session_date (DATE), court_centre,
-- court_type, force_area (from the court reference), sitting, list_type, prosecutor, problems.
-- A session id given twice is rejected the second time; a court type that is not the court's own
-- is rejected.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r.session_date AS date_raw,
        trim(r.session_id) AS session_id, parse_date(r.session_date) AS session_date,
        trim(r.court_centre) AS court_centre, trim(r.court_type) AS court_type,
        c.court_type AS centre_type, c.force_area,
        trim(r.sitting) AS sitting, trim(r.list_type) AS list_type,
        trim(r.prosecutor) AS prosecutor
    FROM raw_court_sessions r
    LEFT JOIN ref_court_centres c ON c.court_centre = trim(r.court_centre)
),
ranked AS (
    SELECT *,
        row_number() OVER w AS id_rank,
        first_value(file || ' line ' || line) OVER w AS id_first
    FROM typed
    WINDOW w AS (PARTITION BY session_id ORDER BY file, line)
)
SELECT file, line, _fields, session_id, session_date, court_centre, court_type, force_area,
    sitting, list_type, prosecutor,
    list_filter([
        CASE WHEN coalesce(session_id, '') = '' THEN problem(
            'session_id', session_id, 'a session reference') END,
        CASE WHEN id_rank > 1 AND session_id <> '' THEN problem(
            'session_id', session_id, 'each session once; already at ' || id_first) END,
        CASE WHEN session_date IS NULL THEN problem(
            'session_date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
        CASE WHEN session_date > current_date THEN problem(
            'session_date', date_raw, 'a date that is not in the future') END,
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
FROM ranked
