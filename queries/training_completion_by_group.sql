-- Training completed by the due date over a period, by staff group and course, with the totals of each (sample extract; no offence category, no police force).
-- Same definitions as training_completion_by_month: of the courses DUE in the period, the share completed by their due date (completed_date <= due_date); late or still outstanding after the due date is not; outstanding courses due after the extract date cannot be judged yet and are left out of due.
-- Rows: each staff group and course; each staff group with course 'All courses'; each course with staff_group 'All staff'; and 'All staff', 'All courses' for the whole Area.
-- grain: one row per staff group (or All staff) and course (or All courses) with courses due in the period
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: staff_group (or All staff), course (or All courses), due (courses due and judged), on_time, late, open_overdue, not_yet_due, on_time_rate (% of due, one decimal, half-up)
SELECT  -- the totals are rows of the cells: no GROUPING SETS; a period with none gives the Area's zeros
    coalesce(c.staff_group, 'All staff') AS staff_group,
    coalesce(c.course, 'All courses') AS course,
    coalesce(sum(c.due), 0)::BIGINT AS due,
    coalesce(sum(c.on_time), 0)::BIGINT AS on_time,
    coalesce(sum(c.late), 0)::BIGINT AS late,
    coalesce(sum(c.open_overdue), 0)::BIGINT AS open_overdue,
    coalesce(sum(c.not_yet_due), 0)::BIGINT AS not_yet_due,
    rate_half_up(sum(c.on_time), sum(c.due)) AS on_time_rate
FROM (SELECT 1) one
LEFT JOIN training_due_cells c  -- queries/shared/training.sql defines on time and judged: queries/derived
    ON c.month BETWEEN month_start($start) AND month_start($end)
GROUP BY c.staff_group, c.course
ORDER BY staff_group = 'All staff', staff_group, course = 'All courses', course
