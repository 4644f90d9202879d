-- Training outstanding and overdue at the end of a month, by staff group and course, with the totals of each (sample extract; no offence category, no police force).
-- At the end of the month `end` (or the extract date, if earlier): outstanding = assigned by then and not completed by then; overdue = outstanding with a due date before that day. Same definitions as training_backlog_by_month.
-- Rows: each staff group and course; each staff group with course 'All courses'; each course with staff_group 'All staff'; and 'All staff', 'All courses'. Groups and courses with nothing outstanding have no row.
-- grain: one row per staff group (or All staff) and course (or All courses) with courses outstanding
-- param end: 2099-12 | the month, YYYY-MM, at whose end (or the extract date, if earlier) the courses are counted
-- returns: staff_group (or All staff), course (or All courses), as_at (DATE counted at), outstanding, overdue (outstanding past the due date), not_yet_due, overdue_share (% of outstanding overdue, one decimal, half-up)
WITH at_day AS (  -- the day the extract was taken, if earlier (training_span: queries/derived)
    SELECT least((month_start($end) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE, s.as_at) AS d
    FROM training_span s
)
SELECT  -- the totals are rows of the cells: no GROUPING SETS; none on the day gives the Area's zeros
    coalesce(c.staff_group, 'All staff') AS staff_group,
    coalesce(c.course, 'All courses') AS course,
    a.d AS as_at,
    coalesce(c.outstanding, 0)::BIGINT AS outstanding,
    coalesce(c.overdue, 0)::BIGINT AS overdue,
    coalesce(c.outstanding - c.overdue, 0)::BIGINT AS not_yet_due,
    rate_half_up(c.overdue, c.outstanding) AS overdue_share
FROM at_day a
LEFT JOIN training_open_cells c  -- training_open_at (queries/shared/training.sql) at each day: queries/derived
    ON c.day = a.d
ORDER BY staff_group = 'All staff', staff_group, course = 'All courses', course
