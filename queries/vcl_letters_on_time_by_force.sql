-- VCL letters sent on time over a period, by police force area (sample extract).
-- Due: 1 working day after the decision (enhanced service) else 5, the decision day not counted, England and Wales working days (queries/shared/vcl.sql). On time: sent_date <= due date. A letter still unsent when the extract was taken (the end of its latest period) is late once past its due date; one not yet due then cannot be judged, is left out of `due` and counted in not_yet_due.
-- grain: one row per police force area with letters decided in the period
-- param crime_type: All crime | All crime; Hate crime or Domestic abuse (a flag: the letters with that flag); or one of the 12 CPS offence categories
-- param area: CPS West Midlands | a police force area, "CPS <Area>" (its forces) or National (the sample holds the four West Midlands forces only: elsewhere no rows)
-- param start: 2000-01 | first month of decision, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month of decision, YYYY-MM (default: everything loaded)
-- param enhanced: all | all; Y: victims entitled to the enhanced service (due in 1 working day); N: the standard service (5 working days)
-- returns: force_area, due (letters due and judged), on_time, late (sent late or unsent past due), sent_late, unsent_overdue (not sent, past due), not_yet_due (unsent, due after the extract was taken; not in due), on_time_rate (% of due sent on time, one decimal, half-up)
-- Summed from vcl_letter_cells (queries/derived: the letters counted by month of decision, offence category, flags, police force area and service), not read from every letter on each run.
SELECT
    force_area,
    sum(due)::BIGINT AS due,
    sum(on_time)::BIGINT AS on_time,
    sum(late)::BIGINT AS late,
    sum(sent_late)::BIGINT AS sent_late,
    sum(unsent_overdue)::BIGINT AS unsent_overdue,
    sum(not_yet_due)::BIGINT AS not_yet_due,
    rate_half_up(sum(on_time), sum(due)) AS on_time_rate
FROM vcl_letter_cells  -- queries/shared/vcl.sql: vcl_counts, vcl_marked; queries/derived
WHERE vcl_counts(offence_category, flags, force_area, enhanced, $crime_type, $area, $enhanced)
  AND month BETWEEN month_start($start) AND month_start($end)
GROUP BY 1
ORDER BY 1
