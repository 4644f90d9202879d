-- Every file found under the data folder, with what became of it.
-- grain: one row per file
-- returns: extract, file (relative to the data folder), status (loaded, empty or rejected), period (case outcomes: the month its name gives), rows_read, rows_rejected (lines with an error), errors, warnings, encoding, size_bytes, modified (UTC)
WITH p AS (
    SELECT file,
        count(DISTINCT line) FILTER (WHERE severity = 'error' AND record IS NOT NULL)
            AS rows_rejected,
        count(*) FILTER (WHERE severity = 'error') AS errors,
        count(*) FILTER (WHERE severity = 'warning') AS warnings
    FROM load_problems
    GROUP BY file
)
SELECT f.extract, f.file, f.status, f.period,
    f.rows_read::BIGINT AS rows_read,
    coalesce(p.rows_rejected, 0)::BIGINT AS rows_rejected,
    coalesce(p.errors, 0)::BIGINT AS errors,
    coalesce(p.warnings, 0)::BIGINT AS warnings,
    f.encoding,
    f.size::BIGINT AS size_bytes,
    f.modified
FROM load_files f
LEFT JOIN p ON p.file = f.file
ORDER BY f.extract, f.file
