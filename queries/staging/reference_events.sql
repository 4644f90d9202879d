-- staging: reference/events.csv — events the monthly charts mark.
-- Reads raw_reference_events (text, one row per file line).
-- Returns one row per event: file, line, date (DATE), label, process_change (BOOLEAN), measures
-- (VARCHAR[], empty: every monthly chart), note, problems. Each measure must be a key in
-- reference/measures.csv (vocab kind 'measure').
WITH typed AS (
    SELECT file, line, _fields, trim(date) AS date_raw, parse_date(date) AS date,
        trim(label) AS label, trim(process_change) AS change_raw, trim(measures) AS measures_raw,
        list_filter(list_transform(string_split(coalesce(trim(measures), ''), ';'),
                                   lambda m: trim(m)), lambda m: m <> '') AS measures,
        nullif(trim(note), '') AS note,
        -- keys of reference/measures.csv (a lambda cannot hold a subquery: a column can)
        (SELECT list(value) FROM vocab WHERE kind = 'measure') AS keys
    FROM raw_reference_events
)
SELECT file, line, _fields, date, label, change_raw = 'Y' AS process_change, measures, note,
    list_filter([
        CASE WHEN date IS NULL THEN problem(
            'date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-09-25') END,
        CASE WHEN coalesce(label, '') = '' THEN problem('label', label, 'a short label') END,
        CASE WHEN NOT known('yes_no', change_raw) THEN problem(
            'process_change', change_raw, 'Y or N') END,
        CASE WHEN NOT list_has_all(coalesce(keys, []), measures) THEN problem(
            'measures', measures_raw,
            'measure keys of reference/measures.csv separated by ;, or empty; not a key: '
            || array_to_string(list_filter(measures,
                                           lambda m: NOT list_contains(coalesce(keys, []), m)),
                               '; ')) END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
