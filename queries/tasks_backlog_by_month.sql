-- Outstanding and overdue open tasks at each month end (sample extract; no police force dimension: teams are Area-wide).
-- Open at month end E: created_date <= E and (completed_date IS NULL or completed_date > E). Overdue: open at E with due_date < E (a task due on E itself is not yet overdue).
-- Only months from the month of the first task created to the extract's last month (the month of its latest creation or completion date) are returned; the extract is taken to be made at the end of that month.
-- grain: one row per month of the period that the extract covers
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), month_end (DATE), open_tasks, overdue, not_yet_due (open, due on or after the month end), overdue_share (% of open tasks overdue, one decimal, half-up)
WITH span AS (
    SELECT date_trunc('month', min(created_date)) AS first_month,
        greatest(max(created_date), max(completed_date)) AS as_at
    FROM stg_tasks
),
months AS (
    SELECT d::DATE AS m, (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS month_end
    FROM range(month_start($start), month_start($end) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) r(d)
    WHERE d >= (SELECT first_month FROM span) AND d <= (SELECT as_at FROM span)
),
t AS (
    SELECT created_date, due_date, completed_date
    FROM tasks_for($crime_type)  -- queries/shared/tasks.sql: the crime-type filter
    WHERE created_date <= month_start($end) + INTERVAL 1 MONTH
),
-- Counted as running totals of dated events, one scan, not a join of every task with every month:
-- open at E = created by E - completed by E; overdue at E = due before E - (due before E and
-- completed by E), i.e. events on due_date + 1 and on greatest(due_date + 1, completed_date).
-- Staging guarantees due_date and completed_date are on or after created_date.
events AS (
    SELECT created_date AS d, count(*) AS opened, 0 AS closed, 0 AS fell_due, 0 AS due_closed
    FROM t GROUP BY 1
    UNION ALL
    SELECT completed_date, 0, count(*), 0, 0 FROM t WHERE completed_date IS NOT NULL GROUP BY 1
    UNION ALL
    SELECT due_date + 1, 0, 0, count(*), 0 FROM t GROUP BY 1
    UNION ALL
    SELECT greatest(due_date + 1, completed_date), 0, 0, 0, count(*)
    FROM t WHERE completed_date IS NOT NULL GROUP BY 1
),
counts AS (
    SELECT m.m, sum(e.opened) - sum(e.closed) AS open_tasks,
        sum(e.fell_due) - sum(e.due_closed) AS overdue
    FROM months m
    JOIN events e ON e.d <= m.month_end
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
