-- Tasks completed on time, by the month they fell due (sample extract; tasks have no police force: teams are Area-wide).
-- Completed on time: completed_date <= due_date. On-time rate for a month: of the tasks DUE in that month, the share completed by their due date; a task completed late, or still open after its due date, is not on time.
-- The extract is taken to be made at the end of the month of its latest date (latest creation or completion date): a task open then is not on time if it was due by that month end; one due later cannot be judged yet, is left out of `due` and is counted in not_yet_due.
-- grain: one row per month that has tasks due, up to the month the extract was taken
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the tasks fell due), due (tasks due and judged), on_time, late (completed after the due date), open_overdue (still open after the due date), not_yet_due (open, due after the end of the extract's last month; not in due), on_time_rate (% of due completed on time, one decimal, half-up)
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT strftime(month, '%Y-%m') AS month, due, on_time, late, open_overdue, not_yet_due, on_time_rate
FROM (
    SELECT
        date_trunc('month', due_date) AS month,
        count(*) FILTER (WHERE judged) AS due,
        count(*) FILTER (WHERE on_time) AS on_time,
        count(*) FILTER (WHERE late) AS late,
        count(*) FILTER (WHERE open_overdue) AS open_overdue,
        count(*) FILTER (WHERE NOT judged) AS not_yet_due,
        rate_half_up(count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE judged)) AS on_time_rate
    FROM tasks_due($crime_type, $start, $end)  -- queries/shared/tasks.sql defines on time and judged
    GROUP BY 1
    HAVING min(due_date) <= min(as_at)  -- no month wholly after the extract was taken
)
ORDER BY 1
