-- Trials listed each month and how they went: effective, cracked or ineffective (HMCTS and Witness Service sample extract).
-- Effective: the trial started as planned. Cracked: it did not go ahead and needs no new date (a guilty plea on the day, the prosecution offering no evidence). Ineffective: it did not go ahead and must be listed again. Prosecution attributed: cracked or ineffective for a reason put down to the prosecution.
-- grain: one row per month that has trials listed
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM the trial was listed), trials (listed), effective, cracked, ineffective, effective_rate (% of trials listed that were effective, one decimal, half-up), prosecution_attributed (trials cracked or ineffective for prosecution reasons), prosecution_attributed_rate (% of trials listed, one decimal, half-up)
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT * REPLACE (strftime(month, '%Y-%m') AS month)
FROM (
    SELECT
        date_trunc('month', listed_date) AS month,
        count(*) AS trials,
        count(*) FILTER (WHERE outcome = 'Effective') AS effective,
        count(*) FILTER (WHERE outcome = 'Cracked') AS cracked,
        count(*) FILTER (WHERE outcome = 'Ineffective') AS ineffective,
        rate_half_up(count(*) FILTER (WHERE outcome = 'Effective'), count(*)) AS effective_rate,
        count(*) FILTER (WHERE prosecution) AS prosecution_attributed,
        rate_half_up(count(*) FILTER (WHERE prosecution), count(*)) AS prosecution_attributed_rate
    FROM trials_listed($crime_type, $area, $court_type, $start, $end)  -- queries/shared/trials.sql
    GROUP BY 1
)
ORDER BY 1
