-- TSJ case reviews completed on time over a period, by team (sample extract).
-- On time: completed_date <= due_date. Of the reviews DUE in the month (or period), the share completed by their due date; a review completed late, or still open after its due date, is not on time. The extract is taken to be made at the end of its latest period: an open review due after that cannot be judged yet, is left out of `due` and counted in not_yet_due.
-- grain: one row per team that has reviews due (and judged) in the period
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to reviews of cases of that category; All crime, or a flag (reviews carry no flag), counts every review
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample holds no other area)
-- param plea_type: Both | Anticipated guilty or Anticipated not guilty narrows to reviews of that plea; anything else counts both
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: team, due (reviews due and judged), on_time, late (completed after the due date), open_overdue (still open after the due date), not_yet_due (open, due after the extract was made; not in due), on_time_rate (% of due completed on time, one decimal, half-up)
-- Summed from tsj_reviews_due_cells (queries/derived: tsj_reviews_judged counted by month, offence category, police force area, team, plea type and review type), not read from every review on each run.
SELECT
    team,
    sum(due)::BIGINT AS due,
    sum(on_time)::BIGINT AS on_time,
    sum(late)::BIGINT AS late,
    sum(open_overdue)::BIGINT AS open_overdue,
    sum(not_yet_due)::BIGINT AS not_yet_due,
    rate_half_up(sum(on_time), sum(due)) AS on_time_rate
FROM tsj_reviews_due_cells  -- queries/shared/casework.sql defines on time and judged: queries/derived
WHERE tsj_review_counts(offence_category, force_area, plea_type, $crime_type, $area, $plea_type)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY team
HAVING sum(due) > 0
ORDER BY team
