-- staging: case_outcomes — CPS "Case Outcomes by Principal Offence Category", as published.
-- Reads raw_case_outcomes (51 text columns c0..c50, one row per file line; c0 is the force area).
-- Returns one row per file line and offence category, plus one 'Administratively finalised' row
-- per line (convictions 0; CPS gives these no offence category). Columns:
--   file, line, month (DATE, first of month, from the file name or folder), force_area
--   (as spelled by CPS, or 'National'), offence_category, cps_order (13 for admin finalised),
--   convictions, unsuccessful, published_rate (the published conviction %), problems.
-- Handles: quoted thousands separators ("11,741"), '%' strings, '-' and '0' for empty
-- denominators, the mislabelled last column (c50, ignored), the same month in two files, and a
-- force twice in one file.
-- Rejection: a row with an error of its own does not load. A fault of the whole line (unknown
-- force, a month already loaded, a force twice, a wrong number of fields) is put on every row of
-- the line, so none of them loads; a bad count rejects only its own category's row (a bad admin
-- finalised count only that row), and the line's other categories still load. Queries then count
-- that force as missing for that category only (queries/shared/outcomes.sql). A category of the
-- file that data/reference/offence_categories.csv lacks (or refused) is rejected on every line.
WITH lines AS (
    SELECT r.file, r.line, r._fields, tidy(r.c0) AS area, f.period,
        [c1, c5, c9, c13, c17, c21, c25, c29, c33, c37, c41, c45] AS conv,
        [c2, c6, c10, c14, c18, c22, c26, c30, c34, c38, c42, c46] AS conv_pct,
        [c3, c7, c11, c15, c19, c23, c27, c31, c35, c39, c43, c47] AS uns,
        [c4, c8, c12, c16, c20, c24, c28, c32, c36, c40, c44, c48] AS uns_pct,
        r.c49 AS admin
    FROM raw_case_outcomes r
    JOIN load_files f ON f.file = r.file
),
long AS (  -- the file's 12 categories by column position; one missing from the list is refused
    SELECT l.file, l.line, l._fields, l.area, l.period, k.offence_category,
        coalesce(c.cps_order, k.position) AS cps_order, c.offence_category IS NULL AS unlisted,
        l.conv[k.position] AS conv_raw, l.conv_pct[k.position] AS conv_pct_raw,
        l.uns[k.position] AS uns_raw, l.uns_pct[k.position] AS uns_pct_raw
    FROM lines l
    CROSS JOIN case_outcome_categories k
    LEFT JOIN ref_offence_categories c ON c.offence_category = k.offence_category
    UNION ALL
    SELECT file, line, _fields, area, period, 'Administratively finalised', 13, false,
        '0', NULL, admin, NULL
    FROM lines
),
typed AS (
    SELECT *,
        parse_count(conv_raw) AS convictions,
        parse_count(uns_raw) AS unsuccessful,
        try_cast(rtrim(tidy(conv_pct_raw), '%') AS DECIMAL(4, 1)) AS published_rate,
        try_cast(rtrim(tidy(uns_pct_raw), '%') AS DECIMAL(4, 1)) AS published_unsucc,
        CASE WHEN cps_order = 13 THEN 'Number of Admin Finalised Unsuccessful'
             ELSE 'Number of ' || offence_category || ' Unsuccessful' END AS uns_col,
        dense_rank() OVER (PARTITION BY period ORDER BY file) AS file_rank,
        first_value(file) OVER (PARTITION BY period ORDER BY file) AS first_file,
        row_number() OVER (PARTITION BY file, area, offence_category ORDER BY line) AS area_rank,
        first_value(line) OVER (PARTITION BY file, area, offence_category ORDER BY line)
            AS area_first_line
    FROM long
)
SELECT file, line, _fields,
    strptime(period, '%Y-%m')::DATE AS month,
    area AS force_area,
    offence_category, cps_order, convictions, unsuccessful, published_rate,
    list_filter([
        CASE WHEN area <> 'National' AND NOT known('force_area', area) THEN problem(
            '(first column)', area,
            'a police force area as CPS spells it (data/reference/force_areas.csv) or National')
        END,
        CASE WHEN file_rank > 1 THEN problem(
            '(whole file)', file,
            'one file per month: ' || period || ' is already loaded from ' || first_file)
        END,
        CASE WHEN area_rank > 1 THEN problem(
            '(first column)', area,
            'each force once per file; ' || area || ' is already at line ' || area_first_line)
        END,
        CASE WHEN unlisted THEN problem(
            'Number of ' || offence_category || ' Convictions', offence_category,
            'an offence category of data/reference/offence_categories.csv')
        END,
        CASE WHEN NOT unlisted AND (convictions IS NULL OR convictions < 0) THEN problem(
            'Number of ' || offence_category || ' Convictions', conv_raw,
            'a whole number of defendants, 0 or more')
        END,
        CASE WHEN NOT unlisted AND (unsuccessful IS NULL OR unsuccessful < 0) THEN problem(
            uns_col, uns_raw, 'a whole number of defendants, 0 or more')
        END,
        CASE WHEN NOT unlisted AND cps_order < 13 AND convictions >= 0 AND convictions + unsuccessful > 0
              AND published_rate IS DISTINCT FROM rate_half_up(convictions,
                                                               convictions + unsuccessful)
        THEN warning(
            'Percentage of ' || offence_category || ' Convictions', conv_pct_raw,
            rate_half_up(convictions, convictions + unsuccessful)::VARCHAR
            || '% = ' || convictions || ' ÷ (' || convictions || ' + ' || unsuccessful
            || '), rounded half-up; the counts are loaded, the published % is not used')
        END,
        CASE WHEN NOT unlisted AND cps_order < 13 AND convictions >= 0 AND convictions + unsuccessful > 0
              AND published_unsucc IS DISTINCT FROM rate_half_up(unsuccessful,
                                                                 convictions + unsuccessful)
        THEN warning(
            'Percentage of ' || offence_category || ' Unsuccessful', uns_pct_raw,
            rate_half_up(unsuccessful, convictions + unsuccessful)::VARCHAR
            || '% = ' || unsuccessful || ' ÷ (' || convictions || ' + ' || unsuccessful
            || '), rounded half-up; the counts are loaded, the published % is not used')
        END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
