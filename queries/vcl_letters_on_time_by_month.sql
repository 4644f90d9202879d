-- Victim Communication and Liaison letters sent on time, by the month of the decision they explain (sample extract).
-- Due: 1 working day after the decision (enhanced service) else 5, the decision day not counted, England and Wales working days (queries/shared/vcl.sql). On time: sent_date <= due date. A letter still unsent when the extract was taken (the end of its latest period) is late once past its due date; one not yet due then cannot be judged, is left out of `due` and counted in not_yet_due.
-- grain: one row per month with letters decided
-- param crime_type: All crime | All crime; Hate crime or Domestic abuse (a flag: the letters with that flag); or one of the 12 CPS offence categories
-- param area: CPS West Midlands | a police force area, "CPS <Area>" (its forces) or National (the sample holds the four West Midlands forces only: elsewhere no rows)
-- param start: 2000-01 | first month of decision, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month of decision, YYYY-MM (default: everything loaded)
-- param enhanced: all | all; Y: victims entitled to the enhanced service (due in 1 working day); N: the standard service (5 working days)
-- returns: month (YYYY-MM of the decision), letters (decided in the month), due (letters due and judged), on_time, late (sent late or unsent past due), sent_late, unsent_overdue (not sent, past due), not_yet_due (unsent, due after the extract was taken; not in due), on_time_rate (% of due sent on time, one decimal, half-up)
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT * REPLACE (strftime(month, '%Y-%m') AS month)
FROM (
    SELECT
        date_trunc('month', decision_date) AS month,
        count(*) AS letters,
        count(*) FILTER (WHERE judged) AS due,
        count(*) FILTER (WHERE on_time) AS on_time,
        count(*) FILTER (WHERE late) AS late,
        count(*) FILTER (WHERE sent_late) AS sent_late,
        count(*) FILTER (WHERE unsent_overdue) AS unsent_overdue,
        count(*) FILTER (WHERE NOT judged) AS not_yet_due,
        rate_half_up(count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE judged)) AS on_time_rate
    FROM vcl_due($crime_type, $area, $enhanced, $start, $end)  -- queries/shared/vcl.sql
    GROUP BY 1
)
ORDER BY 1
