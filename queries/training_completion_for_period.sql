-- Training completed by the due date over a whole period: one figure, for the headline figures and their comparisons (sample extract; training has no offence category and no police force).
-- Same definitions as training_completion_by_month: of the courses DUE in the period, the share completed by their due date (completed_date <= due_date); a course completed late, or still outstanding after its due date, is not; one outstanding and due after the extract was taken cannot be judged yet and is left out of due.
-- grain: one row (no row when no course fell due in the period)
-- param staff_group: All staff | All staff, or one staff group: Administrative, Paralegal, Lawyer or Manager
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: due (courses due and judged), on_time (completed by the due date), late (completed after it), open_overdue (outstanding after the due date), not_yet_due (outstanding, due after the extract date; not in due), on_time_rate (% of due completed by the due date, one decimal, half-up)
SELECT
    sum(due)::BIGINT AS due,
    sum(on_time)::BIGINT AS on_time,
    sum(late)::BIGINT AS late,
    sum(open_overdue)::BIGINT AS open_overdue,
    sum(not_yet_due)::BIGINT AS not_yet_due,
    rate_half_up(sum(on_time), sum(due)) AS on_time_rate
FROM training_due_cells  -- queries/shared/training.sql defines on time and judged: queries/derived
WHERE staff_group = $staff_group AND course = 'All courses'  -- the totals' rows
  AND month BETWEEN month_start($start) AND month_start($end)
HAVING sum(courses) > 0
