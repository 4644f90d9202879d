-- Tasks completed on time over a period, by task type (sample extract; no police force dimension: teams are Area-wide).
-- Same definitions as tasks_on_time_by_month: of the tasks DUE in the period, the share completed by their due date (completed_date <= due_date); late or still open after the due date is not on time; open tasks due after the end of the extract's last month cannot be judged yet and are left out.
-- grain: one row per task type that has tasks due (and judged) in the period
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: task_type, due (tasks due and judged), on_time, late, open_overdue, not_yet_due, on_time_rate (% of due, one decimal, half-up)
WITH chosen AS (  -- the offence category chosen; NULL for All crime or a flag: tasks carry no flag
    SELECT max(offence_category) AS category FROM ref_offence_categories
    WHERE offence_category = $crime_type
),
as_at AS (
    SELECT last_day(greatest(max(created_date), max(completed_date))) AS d FROM stg_tasks
),
t AS (
    SELECT task_type, due_date, completed_date,
        completed_date IS NOT NULL OR due_date <= (SELECT d FROM as_at) AS judged
    FROM stg_tasks
    WHERE due_date >= month_start($start)
      AND due_date < month_start($end) + INTERVAL 1 MONTH
      AND ((SELECT category FROM chosen) IS NULL OR offence_category = (SELECT category FROM chosen))
)
SELECT
    task_type,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE completed_date <= due_date) AS on_time,
    count(*) FILTER (WHERE completed_date > due_date) AS late,
    count(*) FILTER (WHERE completed_date IS NULL AND judged) AS open_overdue,
    count(*) FILTER (WHERE NOT judged) AS not_yet_due,
    rate_half_up(count(*) FILTER (WHERE completed_date <= due_date),
                 count(*) FILTER (WHERE judged)) AS on_time_rate
FROM t
GROUP BY task_type
HAVING count(*) FILTER (WHERE judged) > 0
ORDER BY task_type
