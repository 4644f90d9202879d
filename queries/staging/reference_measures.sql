-- staging: reference/measures.csv — the measure registry, one definition per measure.
-- Reads raw_reference_measures (text, one row per file line).
-- Returns one row per measure: file, line, key, label, unit, better, query, "column", crime_type
-- (NULL when empty), by_crime_type, by_flag, by_force, area_total, synthetic (BOOLEAN), base_columns
-- (VARCHAR[], empty when empty), base_noun, page, target, tolerance (DOUBLE; NULL when empty),
-- definition, problems. "column" may name several columns separated by ';': the first that has
-- values for the filters is shown. The query, its columns and the page must exist (vocab kinds 'query',
-- 'query_column' as '<query>.<column>', and 'page', filled by the warehouse from queries/ and
-- pages/). A key given twice among the valid lines is rejected the second time.
WITH typed AS (
    SELECT file, line, _fields,
        trim(key) AS key, trim(label) AS label, trim(unit) AS unit, trim(better) AS better,
        trim(query) AS query, trim("column") AS "column",
        nullif(trim(crime_type), '') AS crime_type,
        trim(by_crime_type) AS by_crime_type_raw, trim(by_flag) AS by_flag_raw,
        trim(by_force) AS by_force_raw,
        trim(area_total) AS area_total_raw, trim(synthetic) AS synthetic_raw,
        trim(base_columns) AS base_raw,
        list_filter(list_transform(string_split(coalesce(trim(base_columns), ''), ';'),
                                   lambda c: trim(c)), lambda c: c <> '') AS base_columns,
        nullif(trim(base_noun), '') AS base_noun, trim(page) AS page,
        trim(target) AS target_raw, trim(tolerance) AS tolerance_raw,
        trim(definition) AS definition,
        (SELECT list(value) FROM vocab WHERE kind = 'query_column') AS query_columns
    FROM raw_reference_measures
),
checked AS (
    SELECT *,
        CASE WHEN regexp_full_match(target_raw, '-?[0-9]+(\.[0-9]+)?')
             THEN target_raw::DOUBLE END AS target,
        CASE WHEN regexp_full_match(tolerance_raw, '[0-9]+(\.[0-9]+)?')
             THEN tolerance_raw::DOUBLE END AS tolerance,
        list_filter([
            CASE WHEN NOT regexp_full_match(coalesce(key, ''), '[a-z_]+') THEN problem(
                'key', key, 'a key of lower-case letters and _, e.g. tasks_on_time') END,
            CASE WHEN coalesce(label, '') = '' THEN problem('label', label, 'a label') END,
            CASE WHEN NOT (unit IN ('%', '£') OR regexp_full_match(coalesce(unit, ''), '[a-z][a-z ]*'))
                THEN problem('unit', unit, '%, £ or a plural noun such as tasks') END,
            CASE WHEN NOT known('better', better) THEN problem(
                'better', better, 'which way is better: ' || one_of('better')) END,
            CASE WHEN NOT known('query', query) THEN problem(
                'query', query, 'the name of a query: a file queries/<query>.sql') END,
            CASE WHEN known('query', query) AND (coalesce("column", '') = ''
                    OR NOT list_has_all(coalesce(query_columns, []), list_transform(
                        string_split("column", ';'), lambda c: query || '.' || trim(c))))
                THEN problem('column', "column",
                    'a column that queries/' || query || '.sql returns (its returns: line), or '
                    || 'several separated by ; (the first with values is shown)') END,
            CASE WHEN crime_type IS NOT NULL AND NOT known('crime_type', crime_type) THEN problem(
                'crime_type', crime_type,
                'empty, Hate crime, Domestic abuse or one of the 12 offence categories') END,
            CASE WHEN NOT known('yes_no', by_crime_type_raw) THEN problem(
                'by_crime_type', by_crime_type_raw, 'Y or N') END,
            CASE WHEN NOT known('yes_no', by_flag_raw) THEN problem(
                'by_flag', by_flag_raw, 'Y or N') END,
            CASE WHEN by_flag_raw = 'Y' AND crime_type IS NOT NULL THEN problem(
                'by_flag', by_flag_raw,
                'N for a measure with a fixed crime_type (the filter''s flag cannot narrow it)') END,
            CASE WHEN NOT known('yes_no', by_force_raw) THEN problem(
                'by_force', by_force_raw, 'Y or N') END,
            CASE WHEN NOT known('yes_no', area_total_raw) THEN problem(
                'area_total', area_total_raw, 'Y or N') END,
            CASE WHEN NOT known('yes_no', synthetic_raw) THEN problem(
                'synthetic', synthetic_raw, 'Y or N') END,
            CASE WHEN known('query', query) AND NOT list_has_all(coalesce(query_columns, []),
                    list_transform(base_columns, lambda c: query || '.' || c))
                THEN problem('base_columns', base_raw,
                    'columns of queries/' || query || '.sql separated by ;') END,
            CASE WHEN len(base_columns) > 0 AND base_noun IS NULL THEN problem(
                'base_noun', base_noun, 'what base_columns count, e.g. cases') END,
            CASE WHEN NOT known('page', page) THEN problem(
                'page', page, 'the name of a page: a file pages/<page>.py') END,
            CASE WHEN coalesce(target_raw, '') <> ''
                      AND NOT regexp_full_match(target_raw, '-?[0-9]+(\.[0-9]+)?') THEN problem(
                'target', target_raw, 'a plain number such as 85.0 (no %, £ or commas), or empty')
                WHEN coalesce(target_raw, '') <> '' AND better = 'neither' THEN problem(
                'target', target_raw, 'no target when neither direction is better') END,
            CASE WHEN coalesce(tolerance_raw, '') <> ''
                      AND NOT regexp_full_match(tolerance_raw, '[0-9]+(\.[0-9]+)?') THEN problem(
                'tolerance', tolerance_raw, 'a plain number of 0 or more, or empty') END,
            CASE WHEN coalesce(definition, '') = '' THEN problem(
                'definition', definition, 'a definition: what the measure counts') END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
)
SELECT file, line, _fields, key, label, unit, better, query, "column", crime_type,
    by_crime_type_raw = 'Y' AS by_crime_type, by_flag_raw = 'Y' AS by_flag,
    by_force_raw = 'Y' AS by_force,
    area_total_raw = 'Y' AS area_total, synthetic_raw = 'Y' AS synthetic,
    base_columns, base_noun, page, target, tolerance, definition,
    CASE WHEN len(problems) = 0 AND row_number() OVER (
            PARTITION BY key, len(problems) = 0 ORDER BY line) > 1
         THEN [problem('key', key, 'each measure key once')]
         ELSE problems END AS problems
FROM checked
