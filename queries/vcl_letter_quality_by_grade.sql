-- The VCL letters assessed over a period, by grade: how many and what share of those assessed (sample extract).
-- Quality: managers assess a sample of the letters sent, each graded Good, Fair or Poor; a letter not assessed has no grade and is not counted. Good rate: Good as a share of the letters assessed.
-- grain: one row per grade (Good, Fair, Poor), every grade even with no letters, when any letter of the period was assessed
-- param crime_type: All crime | All crime; Hate crime or Domestic abuse (a flag: the letters with that flag); or one of the 12 CPS offence categories
-- param area: CPS West Midlands | a police force area, "CPS <Area>" (its forces) or National (the sample holds the four West Midlands forces only: elsewhere no rows)
-- param start: 2000-01 | first month of decision, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month of decision, YYYY-MM (default: everything loaded)
-- param enhanced: all | all; Y: victims entitled to the enhanced service (due in 1 working day); N: the standard service (5 working days)
-- returns: quality (Good, Fair or Poor), letters (assessed with that grade), assessed (all letters assessed in the period), share (% of assessed, one decimal, half-up)
WITH l AS (
    SELECT quality FROM vcl_for($crime_type, $area, $enhanced)  -- queries/shared/vcl.sql
    WHERE quality IS NOT NULL
      AND decision_date >= month_start($start)
      AND decision_date < month_start($end) + INTERVAL 1 MONTH
),
grades(quality, grade_order) AS (VALUES ('Good', 1), ('Fair', 2), ('Poor', 3))
SELECT g.quality,
    count(l.quality) AS letters,
    (SELECT count(*) FROM l) AS assessed,
    rate_half_up(count(l.quality), (SELECT count(*) FROM l)) AS share
FROM grades g LEFT JOIN l ON l.quality = g.quality
GROUP BY g.quality, g.grade_order
HAVING (SELECT count(*) FROM l) > 0
ORDER BY g.grade_order
