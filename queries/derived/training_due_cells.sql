-- training_due_cells: training_due (queries/shared/training.sql, which defines due, judged, on
-- time, late and overdue) counted once for every month courses fell due, staff group and course,
-- for the training_completion_ queries to sum: each of them counted the courses again on every
-- run. first_due is the cell's earliest due date and as_at the extract's date, for the rule that
-- no month wholly after the extract was taken is shown.
-- Each month also holds the cells' totals: every staff group with course 'All courses', every
-- course with staff_group 'All staff', and 'All staff', 'All courses': a query reads the level
-- it shows instead of grouping again (GROUPING SETS cost about 3 ms a query on 600 cells).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: training
CREATE OR REPLACE TABLE training_due_cells AS
SELECT
    month,
    CASE WHEN grouping(staff_group) = 1 THEN 'All staff' ELSE staff_group END AS staff_group,
    CASE WHEN grouping(course) = 1 THEN 'All courses' ELSE course END AS course,
    count(*) AS courses,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE on_time) AS on_time,
    count(*) FILTER (WHERE late) AS late,
    count(*) FILTER (WHERE open_overdue) AS open_overdue,
    count(*) FILTER (WHERE NOT judged) AS not_yet_due,
    min(due_date) AS first_due,
    min(as_at) AS as_at
FROM (SELECT date_trunc('month', due_date)::DATE AS month, *
      FROM training_due())
GROUP BY GROUPING SETS ((month, staff_group, course), (month, staff_group), (month, course), (month))
ORDER BY month, staff_group, course;
