-- Training completed by the due date, by the month it fell due (sample extract; training has no offence category and no police force: staff work across the Area).
-- Completed by the due date: completed_date <= due_date. Rate for a month: of the courses DUE in that month, the share completed by their due date; a course completed late, or still outstanding after its due date, is not.
-- The extract is taken to be made at the end of its latest period (31 March 2018 for the sample): a course outstanding then is not completed by its due date if it was due by then; one due later cannot be judged yet, is left out of `due` and counted in not_yet_due.
-- grain: one row per month that has courses due, up to the month the extract was taken
-- param staff_group: All staff | All staff, or one staff group: Administrative, Paralegal, Lawyer or Manager
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the courses fell due), due (courses due and judged), on_time (completed by the due date), late (completed after it), open_overdue (outstanding after the due date), not_yet_due (outstanding, due after the extract date; not in due), on_time_rate (% of due completed by the due date, one decimal, half-up)
-- Read from training_due_cells (queries/derived: training_due counted by month, staff group and course, with their totals): the staff group's row for 'All courses' in each month; the month is written as text once per row.
SELECT
    strftime(month, '%Y-%m') AS month,
    due,
    on_time,
    late,
    open_overdue,
    not_yet_due,
    rate_half_up(on_time, due) AS on_time_rate
FROM training_due_cells  -- queries/shared/training.sql defines on time and judged: queries/derived
WHERE staff_group = $staff_group AND course = 'All courses'
  AND month BETWEEN month_start($start) AND month_start($end)
  AND first_due <= as_at  -- no month wholly after the extract was taken
ORDER BY 1
