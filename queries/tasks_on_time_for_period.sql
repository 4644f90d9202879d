-- Tasks completed on time over a whole period: one figure, for the headline figures and their comparisons (sample extract; no police force dimension).
-- Same definitions as tasks_on_time_by_month: of the tasks DUE in the period, the share completed by their due date (completed_date <= due_date); late or still open after the due date is not on time; open tasks due after the end of the extract's last month cannot be judged yet and are left out.
-- grain: one row (no row when no task fell due in the period)
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks carry no flag), counts every task
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: due (tasks due and judged), on_time, late, open_overdue, not_yet_due, on_time_rate (% of due, one decimal, half-up)
-- Summed from tasks_due_cells (queries/derived: tasks_due counted by month, offence category, team and task type), not read from every task on each run.
SELECT
    sum(due)::BIGINT AS due,
    sum(on_time)::BIGINT AS on_time,
    sum(late)::BIGINT AS late,
    sum(open_overdue)::BIGINT AS open_overdue,
    sum(not_yet_due)::BIGINT AS not_yet_due,
    rate_half_up(sum(on_time), sum(due)) AS on_time_rate
FROM tasks_due_cells  -- queries/shared/tasks.sql defines on time and judged: queries/derived
WHERE task_counts(offence_category, $crime_type)
  AND month BETWEEN month_start($start) AND month_start($end)
HAVING sum(tasks) > 0
