-- Cracked and ineffective trials in the period by whom they are attributed to, and court type (HMCTS and Witness Service sample extract).
-- grain: one row per court type and attribution with at least one cracked or ineffective trial in the period
-- param crime_type: All crime | All crime, Hate crime, Domestic abuse (flagged trials) or one of the 12 CPS offence categories
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample covers the Area only: elsewhere gives no rows)
-- param court_type: All courts | All courts, Magistrates' court or Crown Court
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: court_type, attributed_to (Prosecution, Defence, Court or Other), cracked, ineffective, trials (cracked plus ineffective), listed (trials listed at that court type in the period), share (% of those listed, one decimal, half-up)
WITH t AS (
    SELECT * FROM trials_listed($crime_type, $area, $court_type, $start, $end)  -- queries/shared/trials.sql
),
listed AS (SELECT court_type, count(*) AS listed FROM t GROUP BY 1)
SELECT t.court_type, t.attributed_to,
    count(*) FILTER (WHERE t.outcome = 'Cracked') AS cracked,
    count(*) FILTER (WHERE t.outcome = 'Ineffective') AS ineffective,
    count(*) AS trials, any_value(l.listed) AS listed,
    rate_half_up(count(*), any_value(l.listed)) AS share
FROM t
JOIN listed l ON l.court_type = t.court_type
WHERE t.outcome <> 'Effective'
GROUP BY 1, 2
ORDER BY 1 DESC, array_position(['Prosecution', 'Defence', 'Court', 'Other'], t.attributed_to)
