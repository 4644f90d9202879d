-- staging: disclosure_assessments — the disclosure questions answered in Individual Quality
-- Assessments (sample). Reads raw_disclosure_assessments (text, one row per file line).
-- Returns one row per answer: file, line, assessment_id, assessed_date (DATE), force_area,
-- offence_category, team, question, answer, problems. An assessed date more than past_margin()
-- days after the file's period (date_anchors) is rejected, and so is an unknown question or
-- answer. Each question is answered once per assessment: an (assessment_id, question) given twice
-- among the valid lines is rejected the second time; a line rejected for a bad value does not
-- count, so a corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.assessed_date AS assessed_raw,
        trim(r.assessment_id) AS assessment_id, parse_date(r.assessed_date) AS assessed_date,
        trim(r.force_area) AS force_area, trim(r.offence_category) AS offence_category,
        trim(r.team) AS team, trim(r.question) AS question, trim(r.answer) AS answer,
        a.anchor, a.basis
    FROM raw_disclosure_assessments r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'disclosure_assessments' AND a.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, assessment_id, assessed_date, force_area, offence_category, team,
        question, answer, whole_line,
        list_filter([
            CASE WHEN coalesce(assessment_id, '') = '' THEN problem(
                'assessment_id', assessment_id, 'an assessment id') END,
            CASE WHEN assessed_date IS NULL THEN problem(
                'assessed_date', assessed_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
            beyond_period('assessed_date', assessed_raw, assessed_date, anchor, basis,
                          past_margin()),
            CASE WHEN NOT known('force_area', force_area) THEN problem(
                'force_area', force_area, 'a police force area in data/reference/force_areas.csv')
                END,
            CASE WHEN NOT known('offence_category', offence_category) THEN problem(
                'offence_category', offence_category,
                'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
            CASE WHEN NOT known('team', team) THEN problem('team', team, one_of('team')) END,
            CASE WHEN NOT known('disclosure_question', question) THEN problem(
                'question', question, one_of('disclosure_question')) END,
            CASE WHEN NOT known('iqa_answer', answer) THEN problem(
                'answer', answer, one_of('iqa_answer')) END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- (assessment, question) pairs given more than once among valid lines, and the line that gave
-- each first (hash aggregates; only the lines of pairs given twice are checked again here).
repeated AS (
    SELECT trim(assessment_id) AS assessment_id, trim(question) AS question
    FROM raw_disclosure_assessments GROUP BY 1, 2 HAVING count(*) > 1
),
valid_keys AS (
    SELECT c.assessment_id, c.question, c.file, c.line FROM checked c
    SEMI JOIN repeated r ON r.assessment_id = c.assessment_id AND r.question = c.question
    WHERE c.whole_line AND len(c.problems) = 0
),
firsts AS (
    SELECT assessment_id, question, min({'file': file, 'line': line}) AS first_at
    FROM valid_keys
    GROUP BY 1, 2
    HAVING count(*) > 1
)
SELECT c.file, c.line, c._fields, c.assessment_id, c.assessed_date, c.force_area,
    c.offence_category, c.team, c.question, c.answer,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('question', c.question, 'each question once per assessment; '
                       || c.assessment_id || ' already answers it at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.assessment_id = c.assessment_id AND d.question = c.question
