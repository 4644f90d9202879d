-- Disclosure questions of the Individual Quality Assessments fully met, by the month assessed (sample extract).
-- Fully met rate: answers Fully met as a share of the applicable answers (Fully met, Partially met or Not met; Not applicable left out), by the date the case was assessed.
-- grain: one row per month that has assessments
-- param crime_type: All crime | one of the 12 CPS offence categories narrows to assessments of cases of that category; All crime, or a flag (assessments carry no flag), counts every assessment
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas (the sample holds no other area)
-- param question: All questions | one of the disclosure questions narrows to its answers; anything else counts every question
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: month (YYYY-MM assessed), assessments (assessments with an answer in the month; an assessment has one date, so the months' counts add up to a period's), answers (applicable answers), fully_met, partially_met, not_met, not_applicable (not in answers), fully_met_rate (% of answers fully met, one decimal, half-up; empty when none applied)
-- Grouped on the month's first day; the month is written as text once per row of the result.
SELECT * REPLACE (strftime(month, '%Y-%m') AS month)
FROM (
    SELECT
        date_trunc('month', assessed_date) AS month,
        count(DISTINCT assessment_id) AS assessments,
        count(*) FILTER (WHERE applicable) AS answers,
        count(*) FILTER (WHERE fully_met) AS fully_met,
        count(*) FILTER (WHERE answer = 'Partially met') AS partially_met,
        count(*) FILTER (WHERE answer = 'Not met') AS not_met,
        count(*) FILTER (WHERE NOT applicable) AS not_applicable,
        rate_half_up(count(*) FILTER (WHERE fully_met), count(*) FILTER (WHERE applicable))
            AS fully_met_rate
    FROM disclosure_answers($crime_type, $area, $question, $start, $end)  -- queries/shared/casework.sql
    GROUP BY 1
)
ORDER BY 1
