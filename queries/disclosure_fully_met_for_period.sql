-- Disclosure questions of the Individual Quality Assessments fully met over a whole period: one figure, for the headline figures (sample extract).
-- Fully met rate: answers Fully met as a share of the applicable answers (Fully met, Partially met or Not met; Not applicable left out), by the date the case was assessed.
-- grain: one row (no row when nothing was assessed in the period)
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to assessments of cases of that category; All crime, or a flag (assessments carry no flag), counts every assessment
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample holds no other area)
-- param question: All questions | one of the disclosure questions narrows to its answers; anything else counts every question
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: assessments (assessments with at least one answer), answers (applicable answers), fully_met, partially_met, not_met, not_applicable (not in answers), fully_met_rate (% of answers fully met, one decimal, half-up; empty when none applied)
-- Summed from disclosure_cells (queries/derived: the answers counted by month assessed, offence category, police force area and question), not read from every answer on each run.
SELECT
    sum(assessments)::BIGINT AS assessments,
    sum(answers)::BIGINT AS answers,
    sum(fully_met)::BIGINT AS fully_met,
    sum(partially_met)::BIGINT AS partially_met,
    sum(not_met)::BIGINT AS not_met,
    sum(not_applicable)::BIGINT AS not_applicable,
    rate_half_up(sum(fully_met), sum(answers)) AS fully_met_rate
FROM disclosure_cells  -- queries/shared/casework.sql: disclosure_counts, disclosure_row, disclosure_marked; queries/derived
WHERE disclosure_counts(offence_category, force_area, $crime_type, $area)
  AND question = disclosure_row($question)
  AND month BETWEEN month_start($start) AND month_start($end)
HAVING count(*) > 0
