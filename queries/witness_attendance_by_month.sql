-- Prosecution witnesses warned to attend trials listed each month, and those who attended; trials ineffective because a prosecution witness was absent (HMCTS and Witness Service sample extract).
-- grain: one row per month that has trials listed
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the trial was listed), trials (listed), witnesses_required (prosecution witnesses warned to attend), witnesses_attended, attendance_rate (% of witnesses required who attended, one decimal, half-up), witness_absent (trials ineffective because a prosecution witness was absent), witness_absent_rate (% of trials listed, one decimal, half-up)
-- Summed from trial_cells (queries/derived: the trials counted by month, offence category, flags, court type, police force area, outcome, reason and attribution), not read from every trial on each run.
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(trials)::BIGINT AS trials,
    sum(witnesses_required)::BIGINT AS witnesses_required,
    sum(witnesses_attended)::BIGINT AS witnesses_attended,
    rate_half_up(sum(witnesses_attended), sum(witnesses_required)) AS attendance_rate,
    sum(witness_absent)::BIGINT AS witness_absent,
    rate_half_up(sum(witness_absent), sum(trials)) AS witness_absent_rate
FROM trial_cells  -- queries/shared/trials.sql: trial_counts; queries/derived
WHERE trial_counts(offence_category, flags, court_type, force_area, $crime_type, $area, $court_type)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
ORDER BY month
