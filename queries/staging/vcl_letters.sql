-- staging: vcl_letters — Victim Communication and Liaison letters owed to victims (sample).
-- Reads raw_vcl_letters (text, one row per file line).
-- Returns one row per letter: file, line, letter_id, force_area, offence_category, flags
-- (VARCHAR[], sorted; empty list when none), hate_crime, domestic_abuse (BOOLEAN), enhanced
-- (BOOLEAN), decision_date, sent_date (DATE; NULL while unsent), quality (NULL when not
-- assessed), problems. Rejected: an unknown force, category, flag, enhanced or quality value; a
-- flag given twice; a date that is not real; a letter sent before its decision; a grade for an
-- unsent letter; a decision beyond its file's period by more than past_margin() days or more
-- than ten years before it; a sent date beyond the latest period of the extract by more than
-- past_margin() days. A letter id given twice among the valid lines is rejected the second time.
-- Warning (the row loads): a hate crime or domestic abuse letter not marked enhanced (those
-- victims are entitled to the enhanced service); the due date follows `enhanced` as recorded.
-- The due date itself is computed after staging (queries/shared/vcl.sql, table working_days).
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 8) AS whole_line,
        r.decision_date AS decision_raw, r.sent_date AS sent_raw, r.flags AS flags_raw,
        tidy(r.letter_id) AS letter_id, tidy(r.force_area) AS force_area,
        tidy(r.offence_category) AS offence_category, tidy(r.enhanced) AS enhanced_raw,
        tidy(r.quality) AS quality_raw,
        -- 'Hate crime; Domestic abuse' → ['Hate crime', 'Domestic abuse']; '' → []
        CASE WHEN coalesce(tidy(r.flags), '') = '' THEN []::VARCHAR[]
             ELSE list_transform(string_split(r.flags, ';'), lambda x: tidy(x)) END AS flag_list,
        parse_date(r.decision_date) AS decision_date, parse_date(r.sent_date) AS sent_date,
        (SELECT list(value) FROM vocab WHERE kind = 'flag') AS flag_vocab, a.anchor, a.basis,
        -- a letter is filed by its decision; it may be sent in a later period
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'vcl_letters') AS latest,
        'the end of the latest period of the vcl_letters files' AS latest_basis
    FROM raw_vcl_letters r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'vcl_letters' AND a.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, letter_id, force_area, offence_category, flag_list, flag_vocab,
        enhanced_raw, quality_raw, decision_date, sent_date, whole_line,
        list_filter([
            CASE WHEN coalesce(letter_id, '') = '' THEN problem('letter_id', letter_id, 'a letter id') END,
            CASE WHEN NOT known('force_area', force_area) THEN problem(
                'force_area', force_area,
                'a police force area as CPS spells it (data/reference/force_areas.csv)') END,
            CASE WHEN NOT known('offence_category', offence_category) THEN problem(
                'offence_category', offence_category,
                'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
            CASE WHEN NOT list_has_all(flag_vocab, flag_list) THEN problem(
                'flags', flags_raw,
                'empty, or ' || one_of('flag') || ' (both separated by '';'')')
                WHEN len(list_distinct(flag_list)) < len(flag_list) THEN problem(
                'flags', flags_raw, 'each flag once') END,
            CASE WHEN NOT known('enhanced', enhanced_raw) THEN problem(
                'enhanced', enhanced_raw, one_of('enhanced')
                || ' (Y: the victim is entitled to the enhanced service)') END,
            CASE WHEN coalesce(quality_raw, '') <> '' AND NOT known('quality', quality_raw)
                THEN problem('quality', quality_raw,
                             'empty when not assessed, or ' || one_of('quality'))
                WHEN coalesce(quality_raw, '') <> '' AND sent_date IS NULL
                     AND coalesce(tidy(sent_raw::VARCHAR), '') = '' THEN problem(
                'quality', quality_raw, 'empty for a letter not sent (only a sent letter is assessed)') END,
            CASE WHEN decision_date IS NULL THEN problem(
                'decision_date', decision_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02')
                WHEN decision_date < anchor - INTERVAL 10 YEAR THEN problem(
                'decision_date', decision_raw, 'a date at most ten years before '
                || strftime(anchor, '%Y-%m-%d') || ', ' || basis || ' (a mistyped year?)') END,
            beyond_period('decision_date', decision_raw, decision_date, anchor, basis, past_margin()),
            CASE WHEN coalesce(tidy(sent_raw::VARCHAR), '') <> '' AND sent_date IS NULL THEN problem(
                'sent_date', sent_raw, 'empty while unsent, or a real date as YYYY-MM-DD')
                WHEN sent_date < decision_date THEN problem(
                'sent_date', sent_raw, 'a date on or after decision_date ' || decision_raw
                || ' (a letter cannot be sent before the decision it explains)') END,
            beyond_period('sent_date', sent_raw, sent_date, latest, latest_basis, past_margin()),
            CASE WHEN enhanced_raw = 'N' AND list_has_any(flag_list, ['Hate crime', 'Domestic abuse'])
                THEN warning('enhanced', enhanced_raw,
                    'Y for a hate crime or domestic abuse victim, who is entitled to the enhanced '
                    || 'service (loaded as recorded: due in 5 working days)') END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- Letter ids given more than once among valid lines, and the line that gave each first (as in
-- tasks.sql: hash aggregates over the ids alone).
repeated AS (
    SELECT tidy(letter_id) AS letter_id FROM raw_vcl_letters GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT letter_id, file, line FROM checked
    WHERE letter_id IN (SELECT letter_id FROM repeated) AND whole_line
      AND NOT coalesce(list_bool_or([p.severity = 'error' FOR p IN problems]), false)
),
firsts AS (
    SELECT letter_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE letter_id IN (SELECT letter_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.letter_id, c.force_area, c.offence_category,
    list_sort(c.flag_list) AS flags,
    list_contains(c.flag_list, 'Hate crime') AS hate_crime,
    list_contains(c.flag_list, 'Domestic abuse') AS domestic_abuse,
    c.enhanced_raw = 'Y' AS enhanced, c.decision_date, c.sent_date,
    nullif(c.quality_raw, '') AS quality,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line
              AND NOT coalesce(list_bool_or([p.severity = 'error' FOR p IN c.problems]), false)
         THEN list_prepend(problem('letter_id', c.letter_id, 'each letter id once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line), c.problems)
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.letter_id = c.letter_id
