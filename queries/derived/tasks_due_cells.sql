-- tasks_due_cells: tasks_due (queries/shared/tasks.sql, which defines judged, on time, late and
-- open_overdue) counted once for every month tasks fell due, offence category, team and task
-- type, for the tasks_on_time_ queries to sum: each of them read every task again on every run
-- (6 million at scale 10). first_due is the cell's earliest due date and as_at the extract's
-- date, for the rule that no month wholly after the extract was taken is shown.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: tasks
CREATE OR REPLACE TABLE tasks_due_cells AS
SELECT
    date_trunc('month', due_date)::DATE AS month,
    offence_category,
    team,
    task_type,
    count(*) AS tasks,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE on_time) AS on_time,
    count(*) FILTER (WHERE late) AS late,
    count(*) FILTER (WHERE open_overdue) AS open_overdue,
    count(*) FILTER (WHERE NOT judged) AS not_yet_due,
    min(due_date) AS first_due,
    min(as_at) AS as_at
FROM tasks_due('All crime', '0001-01', '9999-12')
GROUP BY ALL
ORDER BY month, offence_category, team, task_type;
