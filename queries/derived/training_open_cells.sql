-- training_open_cells: training_open_at (queries/shared/training.sql: outstanding, and overdue
-- when past its due date) counted once for each day the training queries count at, by staff
-- group and course: the end of every month from the first course assigned to the extract's
-- date (training_span), and that date itself. training_backlog_by_month and training_outstanding_by_group sum it
-- instead of joining every course with every month on each run.
-- Each day also holds the totals: every staff group with course 'All courses', every course
-- with staff_group 'All staff', and 'All staff', 'All courses' (see training_due_cells).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: training
CREATE OR REPLACE TABLE training_open_cells AS
WITH days AS (  -- training_span: queries/derived
    SELECT (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS day
    FROM training_span span,
        range(span.first_month, span.as_at + INTERVAL 1 DAY, INTERVAL 1 MONTH) r(d)
    UNION
    SELECT as_at FROM training_span
)
SELECT days.day,
    CASE WHEN grouping(t.staff_group) = 1 THEN 'All staff' ELSE t.staff_group END AS staff_group,
    CASE WHEN grouping(t.course) = 1 THEN 'All courses' ELSE t.course END AS course,
    count(*) AS outstanding,
    count(*) FILTER (WHERE t.overdue) AS overdue
FROM days, LATERAL (SELECT * FROM training_open_at(days.day)) t
GROUP BY GROUPING SETS ((days.day, t.staff_group, t.course), (days.day, t.staff_group),
                        (days.day, t.course), (days.day))
ORDER BY 1, 2, 3;
