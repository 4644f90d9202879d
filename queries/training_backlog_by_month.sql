-- Training outstanding and overdue at each month end (sample extract; no offence category, no police force).
-- Outstanding at month end E: assigned_date <= E and not completed by E (completed_date empty or after E). Overdue: outstanding at E with due_date < E (a course due on E itself is not yet overdue).
-- Months from the first month a course was assigned to the month the extract was taken (its latest period, as in training_completion_by_month).
-- grain: one row per month of the period that the extract covers
-- param staff_group: All staff | All staff, or one staff group: Administrative, Paralegal, Lawyer or Manager
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM), month_end (DATE), outstanding (courses assigned and not completed), overdue (outstanding past the due date), not_yet_due (outstanding, due on or after the month end), overdue_share (% of outstanding overdue, one decimal, half-up)
WITH months AS (  -- the period's months within the extract's span (training_span: queries/derived)
    SELECT d::DATE AS m, (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS month_end
    FROM training_span s,
        range(month_start($start), month_start($end) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) r(d)
    WHERE d >= s.first_month AND d <= s.as_at
)
SELECT
    strftime(m.m, '%Y-%m') AS month,
    m.month_end,
    coalesce(c.outstanding, 0)::BIGINT AS outstanding,
    coalesce(c.overdue, 0)::BIGINT AS overdue,
    coalesce(c.outstanding - c.overdue, 0)::BIGINT AS not_yet_due,
    rate_half_up(c.overdue, c.outstanding) AS overdue_share
FROM months m
LEFT JOIN training_open_cells c  -- training_open_at at each month end, counted once: queries/derived
    ON c.day = m.month_end
    AND c.staff_group = $staff_group AND c.course = 'All courses'  -- the totals' rows
ORDER BY m.m
