-- Tasks completed on time, by the month they fell due (sample extract; tasks have no police force: teams are Area-wide).
-- Completed on time: completed_date <= due_date. On-time rate for a month: of the tasks DUE in that month, the share completed by their due date; a task completed late, or still open after its due date, is not on time.
-- The extract is taken to be made at the end of the month of its latest date (latest creation or completion date): a task open then is not on time if it was due by that month end; one due later cannot be judged yet, is left out of `due` and is counted in not_yet_due.
-- grain: one row per month that has tasks due, up to the month the extract was taken
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the tasks fell due), due (tasks due and judged), on_time, late (completed after the due date), open_overdue (still open after the due date), not_yet_due (open, due after the end of the extract's last month; not in due), on_time_rate (% of due completed on time, one decimal, half-up)
-- Summed from tasks_due_cells (queries/derived: tasks_due counted by month, offence category, team and task type), not read from every task on each run. The month is written as text once per row of the result.
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(due)::BIGINT AS due,
    sum(on_time)::BIGINT AS on_time,
    sum(late)::BIGINT AS late,
    sum(open_overdue)::BIGINT AS open_overdue,
    sum(not_yet_due)::BIGINT AS not_yet_due,
    rate_half_up(sum(on_time), sum(due)) AS on_time_rate
FROM tasks_due_cells  -- queries/shared/tasks.sql defines on time and judged: queries/derived
WHERE task_counts(offence_category, $crime_type)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
HAVING min(first_due) <= min(as_at)  -- no month wholly after the extract was taken
ORDER BY month
