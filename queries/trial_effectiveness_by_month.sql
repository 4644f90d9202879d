-- Trials listed each month and how they went: effective, cracked or ineffective (HMCTS and Witness Service sample extract).
-- Effective: the trial started as planned. Cracked: it did not go ahead and needs no new date (a guilty plea on the day, the prosecution offering no evidence). Ineffective: it did not go ahead and must be listed again. Prosecution attributed: cracked or ineffective for a reason put down to the prosecution.
-- grain: one row per month that has trials listed
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the trial was listed), trials (listed), effective, cracked, ineffective, effective_rate (% of trials listed that were effective, one decimal, half-up), prosecution_attributed (trials cracked or ineffective for prosecution reasons), prosecution_attributed_rate (% of trials listed, one decimal, half-up)
-- Summed from trial_cells (queries/derived: the trials counted by month, offence category, flags, court type, police force area, outcome, reason and attribution), not read from every trial on each run.
SELECT
    strftime(month, '%Y-%m') AS month,
    sum(trials)::BIGINT AS trials,
    sum(effective)::BIGINT AS effective,
    sum(cracked)::BIGINT AS cracked,
    sum(ineffective)::BIGINT AS ineffective,
    rate_half_up(sum(effective), sum(trials)) AS effective_rate,
    sum(prosecution)::BIGINT AS prosecution_attributed,
    rate_half_up(sum(prosecution), sum(trials)) AS prosecution_attributed_rate
FROM trial_cells  -- queries/shared/trials.sql: trial_counts; queries/derived
WHERE trial_counts(offence_category, flags, court_type, force_area, $crime_type, $area, $court_type)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY month
ORDER BY month
