-- staging: reference/offence_categories.csv — the 12 CPS principal offence categories.
-- Reads raw_reference_offence_categories (text, one row per file line).
-- Returns one row per category: file, line, offence_category, cps_order (INTEGER, 1 to 12: the
-- queries take 1-12 for a category and 13 for administratively finalised cases), short_name,
-- problems. A category or a cps_order given twice among the valid lines is rejected the second time.
WITH typed AS (
    SELECT file, line, _fields, trim(offence_category) AS offence_category,
        trim(cps_order) AS order_raw,
        CASE WHEN regexp_full_match(trim(cps_order), '[0-9]+')
             THEN try_cast(trim(cps_order) AS INTEGER) END AS cps_order,
        trim(short_name) AS short_name
    FROM raw_reference_offence_categories
),
checked AS (
    SELECT *, list_filter([
        CASE WHEN coalesce(offence_category, '') = '' THEN problem(
            'offence_category', offence_category, 'the name of an offence category') END,
        CASE WHEN cps_order IS NULL OR cps_order NOT BETWEEN 1 AND 12 THEN problem(
            'cps_order', order_raw,
            'a whole number from 1 to 12: its place in CPS''s order, e.g. 3 (13 is '
            || 'administratively finalised cases)') END,
        CASE WHEN coalesce(short_name, '') = '' THEN problem(
            'short_name', short_name, 'a short name for charts') END
    ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
ranked AS (
    SELECT *,
        row_number() OVER (PARTITION BY offence_category, len(problems) = 0 ORDER BY line) AS r_name,
        row_number() OVER (PARTITION BY cps_order, len(problems) = 0 ORDER BY line) AS r_order
    FROM checked
)
SELECT file, line, _fields, offence_category, cps_order, short_name,
    CASE WHEN len(problems) > 0 THEN problems
         ELSE list_filter([
            CASE WHEN r_name > 1 THEN problem(
                'offence_category', offence_category, 'each offence category once') END,
            CASE WHEN r_order > 1 THEN problem(
                'cps_order', order_raw, 'each cps_order once') END
         ], lambda p: p IS NOT NULL) END AS problems
FROM ranked
