-- Outstanding and overdue open tasks at each month end (sample extract; no police force dimension: teams are Area-wide).
-- Open at month end E: created_date <= E and (completed_date IS NULL or completed_date > E). Overdue: open at E with due_date < E (a task due on E itself is not yet overdue).
-- Only months from the month of the first task created to the extract's last month (the month of its latest creation or completion date) are returned; the extract is taken to be made at the end of that month.
-- grain: one row per month of the period that the extract covers
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), month_end (DATE), open_tasks, overdue, not_yet_due (open, due on or after the month end), overdue_share (% of open tasks overdue, one decimal, half-up)
-- Summed from tasks_event_cells (queries/derived: the tasks counted by day and offence category for each event that moves the backlog), not read from every task on each run.
WITH span AS (  -- the extract's first month and its last date, over every task (no crime filter)
    SELECT date_trunc('month', min(day) FILTER (WHERE opened > 0)) AS first_month,
        max(day) FILTER (WHERE opened > 0 OR closed > 0) AS as_at
    FROM tasks_event_cells
),
months AS (
    SELECT d::DATE AS m, (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS month_end
    FROM range(month_start($start), month_start($end) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) r(d)
    WHERE d >= (SELECT first_month FROM span) AND d <= (SELECT as_at FROM span)
),
-- Counted as running totals of dated events, not a join of every task with every month: open at
-- E = created by E - completed by E; overdue at E = due before E - (due before E and completed by
-- E), i.e. events on due_date + 1 and on greatest(due_date + 1, completed_date). Staging
-- guarantees due_date and completed_date are on or after created_date.
daily AS (
    SELECT day, sum(opened) - sum(closed) AS open_change,
        sum(fell_due) - sum(due_closed) AS overdue_change
    FROM tasks_event_cells  -- queries/derived; task_counts: queries/shared/tasks.sql
    WHERE task_counts(offence_category, $crime_type)
      AND day < month_start($end) + INTERVAL 1 MONTH
    GROUP BY day
),
counts AS (
    SELECT m.m, sum(e.open_change) AS open_tasks, sum(e.overdue_change) AS overdue
    FROM months m
    JOIN daily e ON e.day <= m.month_end
    GROUP BY m.m
)
SELECT
    strftime(m.m, '%Y-%m') AS month,
    m.month_end,
    coalesce(c.open_tasks, 0)::BIGINT AS open_tasks,
    coalesce(c.overdue, 0)::BIGINT AS overdue,
    coalesce(c.open_tasks - c.overdue, 0)::BIGINT AS not_yet_due,
    rate_half_up(c.overdue, c.open_tasks) AS overdue_share
FROM months m
LEFT JOIN counts c ON c.m = m.m
ORDER BY m.m
