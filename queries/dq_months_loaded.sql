-- Every month of the published CPS case outcomes series, from the first month loaded (or found in a file that was refused) to the last, and whether it loaded.
-- grain: one row per calendar month from the first case outcomes month loaded or refused to the last (no row when no month loaded)
-- returns: month (YYYY-MM), loaded (true when rows for the month loaded), file (the file the month came from), force_rows (police force area rows loaded, National left out), refused_files (files for the month that were refused, '; '-separated)
WITH loaded AS (
    SELECT month, min(file) AS file,
        count(DISTINCT force_area) FILTER (WHERE force_area <> 'National') AS force_rows
    FROM stg_case_outcomes
    GROUP BY month
),
refused AS (
    SELECT strptime(period, '%Y-%m')::DATE AS month,
        string_agg(file, '; ' ORDER BY file) AS refused_files
    FROM load_files
    WHERE extract = 'case_outcomes' AND status <> 'loaded' AND period IS NOT NULL
    GROUP BY 1
),
-- from the first month loaded or refused to the last: a refused latest month is missing too
span AS (
    SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month
    FROM (SELECT month FROM loaded UNION ALL SELECT month FROM refused)
    HAVING count(*) FILTER (WHERE month IN (SELECT month FROM loaded)) > 0
)
SELECT
    strftime(s.month, '%Y-%m') AS month,
    l.month IS NOT NULL AS loaded,
    l.file,
    coalesce(l.force_rows, 0)::BIGINT AS force_rows,
    r.refused_files
FROM span s
LEFT JOIN loaded l ON l.month = s.month
LEFT JOIN refused r ON r.month = s.month
ORDER BY s.month
