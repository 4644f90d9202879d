-- Cracked and ineffective trials in the period by whom they are attributed to, and court type (HMCTS and Witness Service sample extract).
-- grain: one row per court type and attribution with at least one cracked or ineffective trial in the period
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: court_type, attributed_to (Prosecution, Defence, Court or Other), cracked, ineffective, trials (cracked plus ineffective), listed (trials listed at that court type in the period), share (% of those listed, one decimal, half-up)
-- Summed from trial_cells (queries/derived: the trials counted by month, offence category, flags, court type, police force area, outcome, reason and attribution), not read from every trial on each run.
WITH g AS (  -- listed: every trial of the court type, Effective ones too (a window, not a second scan)
    SELECT court_type, outcome <> 'Effective' AS failed, attributed_to,
        sum(cracked) AS cracked, sum(ineffective) AS ineffective, sum(trials) AS trials,
        sum(sum(trials)) OVER (PARTITION BY court_type) AS listed
    FROM trial_cells c  -- queries/shared/trials.sql: trial_counts; queries/derived
    WHERE trial_counts(c.offence_category, c.flags, c.court_type, c.force_area, $crime_type, $area, $court_type)
      AND c.month BETWEEN month_start($start) AND month_start($end)
    GROUP BY 1, 2, 3
)
SELECT court_type, attributed_to,
    cracked::BIGINT AS cracked,
    ineffective::BIGINT AS ineffective,
    trials::BIGINT AS trials, listed::BIGINT AS listed,
    rate_half_up(trials, listed) AS share
FROM g
WHERE failed
ORDER BY 1 DESC, array_position(['Prosecution', 'Defence', 'Court', 'Other'], attributed_to)
