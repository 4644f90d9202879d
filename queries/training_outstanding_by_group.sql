-- Training outstanding and overdue at the end of a month, by staff group and course, with the totals of each (sample extract; no offence category, no police force).
-- At the end of the month `end` (or the extract date, if earlier): outstanding = assigned by then and not completed by then; overdue = outstanding with a due date before that day. Same definitions as training_backlog_by_month.
-- Rows: each staff group and course; each staff group with course 'All courses'; each course with staff_group 'All staff'; and 'All staff', 'All courses'. Groups and courses with nothing outstanding have no row.
-- grain: one row per staff group (or All staff) and course (or All courses) with courses outstanding
-- param end: 2099-12 | the month, YYYY-MM, at whose end (or the extract date, if earlier) the courses are counted
-- returns: staff_group (or All staff), course (or All courses), as_at (DATE counted at), outstanding, overdue (outstanding past the due date), not_yet_due, overdue_share (% of outstanding overdue, one decimal, half-up)
WITH at_day AS (
    SELECT least(
        (month_start($end) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE,
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'training')) AS d
)
SELECT
    CASE WHEN grouping(staff_group) = 1 THEN 'All staff' ELSE staff_group END AS staff_group,
    CASE WHEN grouping(course) = 1 THEN 'All courses' ELSE course END AS course,
    (SELECT d FROM at_day) AS as_at,
    coalesce(sum(outstanding), 0)::BIGINT AS outstanding,
    coalesce(sum(overdue), 0)::BIGINT AS overdue,
    coalesce(sum(outstanding - overdue), 0)::BIGINT AS not_yet_due,
    rate_half_up(sum(overdue), sum(outstanding)) AS overdue_share
FROM training_open_cells  -- training_open_at (queries/shared/training.sql) at each day: queries/derived
WHERE day = (SELECT d FROM at_day)
GROUP BY GROUPING SETS ((staff_group, course), (staff_group), (course), ())
ORDER BY grouping(staff_group), staff_group, grouping(course), course
