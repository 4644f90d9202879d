-- The lines of the measure registry (data/reference/measures.csv) refused at load, and why: the
-- measures that have no tile or chart. A key whose first line loaded is not among them.
-- grain: one row per error on a refused line, in line and column order
-- returns: key (as its line gives it, trimmed), line (physical line of the file), column, value (found), expected
SELECT trim(r.key) AS key, r.line, p."column", p.value, p.expected
FROM raw_reference_measures r
JOIN load_problems p ON p.file = r.file AND p.line = r.line AND p.severity = 'error'
WHERE coalesce(trim(r.key), '') NOT IN (SELECT key FROM ref_measures)
ORDER BY r.line, p."column"
