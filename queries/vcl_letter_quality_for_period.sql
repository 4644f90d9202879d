-- Quality of the VCL letters assessed over a whole period: one figure, for the headline figures (sample extract).
-- Quality: managers assess a sample of the letters sent, each graded Good, Fair or Poor; a letter not assessed has no grade and is not counted. Good rate: Good as a share of the letters assessed.
-- grain: one row (no row when no letter was decided in the period; zero counts and no rate when letters were decided but none assessed)
-- param crime_type: All crime | All crime; Hate crime or Domestic abuse (a flag: the letters with that flag); or one of the 12 CPS offence categories
-- param area: CPS West Midlands | a police force area, "CPS <Area>" (its forces) or National (the sample holds the four West Midlands forces only: elsewhere no rows)
-- param start: 2000-01 | first month of decision, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month of decision, YYYY-MM (default: everything loaded)
-- param enhanced: all | all; Y: victims entitled to the enhanced service (due in 1 working day); N: the standard service (5 working days)
-- returns: assessed (letters graded), good, fair, poor, good_rate (% of assessed graded Good, one decimal, half-up)
-- The same counts as vcl_letter_quality_by_month summed over the period's months: a page works them out from those months when its trend covers the period (`ui.period_figures`).
-- Summed from vcl_letter_cells (queries/derived: the letters counted by month of decision, offence category, flags, police force area and service), not read from every letter on each run.
SELECT
    sum(assessed)::BIGINT AS assessed,
    sum(good)::BIGINT AS good,
    sum(fair)::BIGINT AS fair,
    sum(poor)::BIGINT AS poor,
    rate_half_up(sum(good), sum(assessed)) AS good_rate
FROM vcl_letter_cells  -- queries/shared/vcl.sql: vcl_counts, vcl_marked; queries/derived
WHERE vcl_counts(offence_category, flags, force_area, enhanced, $crime_type, $area, $enhanced)
  AND month BETWEEN month_start($start) AND month_start($end)
HAVING sum(letters) > 0
