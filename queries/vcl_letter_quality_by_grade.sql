-- The VCL letters assessed over a period, by grade: how many and what share of those assessed (sample extract).
-- Quality: managers assess a sample of the letters sent, each graded Good, Fair or Poor; a letter not assessed has no grade and is not counted. Good rate: Good as a share of the letters assessed.
-- grain: one row per grade (Good, Fair, Poor), every grade even with no letters, when any letter of the period was assessed
-- param crime_type: All crime | All crime; Hate crime or Domestic abuse (a flag: the letters with that flag); or one of the 12 CPS offence categories
-- param area: CPS West Midlands | a police force area, "CPS <Area>" (its forces) or National (the sample holds the four West Midlands forces only: elsewhere no rows)
-- param start: 2000-01 | first month of decision, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month of decision, YYYY-MM (default: everything loaded)
-- param enhanced: all | all; Y: victims entitled to the enhanced service (due in 1 working day); N: the standard service (5 working days)
-- returns: quality (Good, Fair or Poor), letters (assessed with that grade), assessed (all letters assessed in the period), share (% of assessed, one decimal, half-up)
-- Summed from vcl_letter_cells (queries/derived: the letters counted by month of decision, offence category, flags, police force area and service), not read from every letter on each run.
WITH l AS (
    SELECT sum(good) AS good, sum(fair) AS fair, sum(poor) AS poor, sum(assessed) AS assessed
    FROM vcl_letter_cells  -- queries/shared/vcl.sql: vcl_counts, vcl_marked; queries/derived
    WHERE vcl_counts(offence_category, flags, force_area, enhanced, $crime_type, $area, $enhanced)
      AND month BETWEEN month_start($start) AND month_start($end)
),
grades(quality, grade_order) AS (VALUES ('Good', 1), ('Fair', 2), ('Poor', 3))
SELECT g.quality,
    (CASE g.quality WHEN 'Good' THEN l.good WHEN 'Fair' THEN l.fair ELSE l.poor END)::BIGINT
        AS letters,
    l.assessed::BIGINT AS assessed,
    rate_half_up(CASE g.quality WHEN 'Good' THEN l.good WHEN 'Fair' THEN l.fair ELSE l.poor END,
                 l.assessed) AS share
FROM grades g, l
WHERE l.assessed > 0
ORDER BY g.grade_order
