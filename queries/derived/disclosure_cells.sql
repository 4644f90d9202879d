-- disclosure_cells: disclosure_marked (queries/shared/casework.sql, which defines applicable and
-- fully met) counted once for every month assessed, offence category, police force area and
-- question, and for every question together ('All questions'), for the disclosure_ queries to sum
-- with disclosure_counts: each of them read every answer again on every run (37 thousand in the
-- sample, 370 thousand at scale 10). Staging makes an assessment one case on one day, so it falls
-- in one month, category and force: its count in `assessments` (those with an answer in the cell)
-- adds up over those; its questions are counted together in the 'All questions' row, not by
-- adding the questions' rows.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: disclosure_assessments
CREATE OR REPLACE TABLE disclosure_cells AS
SELECT
    date_trunc('month', assessed_date)::DATE AS month,
    offence_category,
    force_area,
    coalesce(question, 'All questions') AS question,
    count(DISTINCT assessment_id) AS assessments,
    count(*) FILTER (WHERE applicable) AS answers,
    count(*) FILTER (WHERE fully_met) AS fully_met,
    count(*) FILTER (WHERE answer = 'Partially met') AS partially_met,
    count(*) FILTER (WHERE answer = 'Not met') AS not_met,
    count(*) FILTER (WHERE NOT applicable) AS not_applicable
FROM disclosure_marked()
GROUP BY GROUPING SETS ((1, 2, 3, question), (1, 2, 3))
ORDER BY month, offence_category, force_area, question;
