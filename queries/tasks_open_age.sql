-- Open tasks at the end of a month by age and whether they are overdue (sample extract; no police force dimension: teams are Area-wide).
-- Open at month end E: created_date <= E and (completed_date IS NULL or completed_date > E); age = E - created_date in days; overdue: due_date < E.
-- grain: one row per age band (0–7, 8–30, 31–90, 91+ days) and status (Overdue, Not yet due), all eight always returned
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param end: 2018-03 | the month whose last day is the snapshot, YYYY-MM
-- returns: age_band, band_order (1 youngest to 4 oldest), status, tasks (open tasks), month_end (DATE of the snapshot)
WITH snap AS (
    SELECT (month_start($end) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS e
),
bands AS (
    SELECT * FROM (VALUES (1, '0–7 days'), (2, '8–30 days'), (3, '31–90 days'), (4, '91+ days'))
        b(band_order, age_band)
    CROSS JOIN (VALUES ('Overdue'), ('Not yet due')) s(status)
),
open_tasks AS (
    SELECT
        CASE WHEN age <= 7 THEN 1 WHEN age <= 30 THEN 2 WHEN age <= 90 THEN 3 ELSE 4 END
            AS band_order,
        CASE WHEN due_date < e THEN 'Overdue' ELSE 'Not yet due' END AS status
    FROM (
        SELECT t.due_date, s.e, date_diff('day', t.created_date, s.e) AS age
        FROM tasks_for($crime_type) t, snap s  -- queries/shared/tasks.sql: crime-type filter
        WHERE t.created_date <= s.e
          AND (t.completed_date IS NULL OR t.completed_date > s.e)
    )
)
SELECT b.age_band, b.band_order, b.status, count(o.band_order) AS tasks,
    (SELECT e FROM snap) AS month_end
FROM bands b
LEFT JOIN open_tasks o ON o.band_order = b.band_order AND o.status = b.status
GROUP BY b.age_band, b.band_order, b.status
ORDER BY b.band_order, b.status DESC
