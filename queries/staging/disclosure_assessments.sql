-- staging: disclosure_assessments — the disclosure questions answered in Individual Quality
-- Assessments (sample). Reads raw_disclosure_assessments (text, one row per file line).
-- Returns one row per answer: file, line, assessment_id, assessed_date (DATE), force_area,
-- offence_category, team, question, answer, problems. An assessed date more than past_margin()
-- days after the file's period (date_anchors) is rejected, and so is an unknown question or
-- answer. Each question is answered once per assessment: an (assessment_id, question) given twice
-- among the valid lines is rejected the second time. An assessment is of one case on one day: its
-- first valid line (by file, then line) gives its assessed_date, force_area, offence_category and
-- team, and a later line that gives another value of one of them is rejected, naming it. A line
-- rejected for a bad value does not count for either rule, so a corrected repeat of it loads.
-- (The queries count an assessment once in the month it was assessed: summed over months, the
-- assessments of a period are those the period counts.)
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.assessed_date AS assessed_raw,
        tidy(r.assessment_id) AS assessment_id, parse_date(r.assessed_date) AS assessed_date,
        tidy(r.force_area) AS force_area, tidy(r.offence_category) AS offence_category,
        tidy(r.team) AS team, tidy(r.question) AS question, tidy(r.answer) AS answer,
        a.anchor, a.basis
    FROM raw_disclosure_assessments r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'disclosure_assessments' AND a.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, assessment_id, assessed_date, force_area, offence_category, team,
        question, answer, whole_line, assessed_raw,
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
-- Assessments given on more than one line: the lines checked again here against each other
-- (hash aggregates; the repeat key, by which a re-sync of one file also checks again the lines of
-- other files that share an assessment with it).
repeated AS (
    SELECT tidy(assessment_id) AS assessment_id
    FROM raw_disclosure_assessments GROUP BY 1 HAVING count(*) > 1
),
valid_lines AS (
    SELECT c.assessment_id, c.question, c.file, c.line, c.assessed_date, c.force_area,
        c.offence_category, c.team
    FROM checked c
    SEMI JOIN repeated r ON r.assessment_id = c.assessment_id
    WHERE c.whole_line AND len(c.problems) = 0
),
-- each assessment's first line and what it says, where its lines do not all say the same
case_firsts AS (
    SELECT assessment_id,
        arg_min({'file': file, 'line': line, 'assessed_date': assessed_date,
                 'force_area': force_area, 'offence_category': offence_category, 'team': team},
                {'file': file, 'line': line}) AS first
    FROM valid_lines
    GROUP BY 1
    HAVING count(DISTINCT {'d': assessed_date, 'f': force_area, 'o': offence_category,
                           't': team}) > 1
),
-- the lines that say what their assessment's first line says (all of them, for most)
agreeing AS (
    SELECT v.* FROM valid_lines v
    LEFT JOIN case_firsts a ON a.assessment_id = v.assessment_id
    WHERE a.first IS NULL
       OR {'d': v.assessed_date, 'f': v.force_area, 'o': v.offence_category, 't': v.team}
          = {'d': a.first.assessed_date, 'f': a.first.force_area,
             'o': a.first.offence_category, 't': a.first.team}
),
-- the line that gave each (assessment, question) pair first, where more than one line gives it:
-- a line refused for disagreeing with its assessment is no first answer, so its correction loads
pair_firsts AS (
    SELECT assessment_id, question, min({'file': file, 'line': line}) AS first_at
    FROM agreeing
    GROUP BY 1, 2
    HAVING count(*) > 1
),
judged AS (
    SELECT c.*,
        CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
            THEN problem('question', c.question, 'each question once per assessment; '
                         || c.assessment_id || ' already answers it at '
                         || d.first_at.file || ' line ' || d.first_at.line) END AS repeated_question,
        -- the first of the four that differs from the assessment's first line
        CASE WHEN a.first IS NULL THEN NULL
             WHEN c.assessed_date <> a.first.assessed_date THEN {'col': 'assessed_date',
                 'val': c.assessed_raw::VARCHAR,
                 'first': strftime(a.first.assessed_date, '%Y-%m-%d')}
             WHEN c.force_area <> a.first.force_area THEN {'col': 'force_area',
                 'val': c.force_area, 'first': a.first.force_area}
             WHEN c.offence_category <> a.first.offence_category THEN {'col': 'offence_category',
                 'val': c.offence_category, 'first': a.first.offence_category}
             WHEN c.team <> a.first.team THEN {'col': 'team', 'val': c.team, 'first': a.first.team}
        END AS other_case,
        a.first.file AS case_file, a.first.line AS case_line
    FROM checked c
    LEFT JOIN pair_firsts d ON d.assessment_id = c.assessment_id AND d.question = c.question
    LEFT JOIN case_firsts a ON a.assessment_id = c.assessment_id
)
SELECT file, line, _fields, assessment_id, assessed_date, force_area, offence_category, team,
    question, answer,
    CASE WHEN whole_line AND len(problems) = 0 THEN list_filter([
            repeated_question,
            CASE WHEN other_case IS NOT NULL THEN problem(other_case.col, other_case.val,
                'the ' || other_case.col || ' of assessment ' || assessment_id || ' at '
                || case_file || ' line ' || case_line || ': ' || other_case.first) END
        ], lambda p: p IS NOT NULL)
         ELSE problems END AS problems
FROM judged
