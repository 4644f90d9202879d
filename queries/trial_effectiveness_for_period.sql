-- Trials listed in the period, how they went, and the prosecution witnesses who attended (HMCTS and Witness Service sample extract); the same definitions as trial_effectiveness_by_month and witness_attendance_by_month.
-- grain: one row for the period (counts of 0 and empty rates when no trial was listed)
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: trials (listed), effective, cracked, ineffective, effective_rate (% of trials listed, one decimal, half-up), prosecution_attributed (cracked or ineffective for prosecution reasons), prosecution_attributed_rate (% of trials listed, one decimal, half-up), witnesses_required (prosecution witnesses warned to attend), witnesses_attended, attendance_rate (% of witnesses required who attended, one decimal, half-up), witness_absent (trials ineffective because a prosecution witness was absent), witness_absent_rate (% of trials listed, one decimal, half-up)
-- Summed from trial_cells (queries/derived: the trials counted by month, offence category, flags, court type, police force area, outcome, reason and attribution), not read from every trial on each run.
SELECT
    coalesce(sum(trials), 0)::BIGINT AS trials,
    coalesce(sum(effective), 0)::BIGINT AS effective,
    coalesce(sum(cracked), 0)::BIGINT AS cracked,
    coalesce(sum(ineffective), 0)::BIGINT AS ineffective,
    rate_half_up(sum(effective), sum(trials)) AS effective_rate,
    coalesce(sum(prosecution), 0)::BIGINT AS prosecution_attributed,
    rate_half_up(sum(prosecution), sum(trials)) AS prosecution_attributed_rate,
    coalesce(sum(witnesses_required), 0)::BIGINT AS witnesses_required,
    coalesce(sum(witnesses_attended), 0)::BIGINT AS witnesses_attended,
    rate_half_up(sum(witnesses_attended), sum(witnesses_required)) AS attendance_rate,
    coalesce(sum(witness_absent), 0)::BIGINT AS witness_absent,
    rate_half_up(sum(witness_absent), sum(trials)) AS witness_absent_rate
FROM trial_cells  -- queries/shared/trials.sql: trial_counts; queries/derived
WHERE trial_counts(offence_category, flags, court_type, force_area, $crime_type, $area, $court_type)
  AND month BETWEEN month_start($start) AND month_start($end)
