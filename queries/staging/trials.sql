-- staging: trials — every trial listed, how it went and why (HMCTS and Witness Service sample).
-- Reads raw_trials (text, one row per file line).
-- Returns one row per trial: file, line, trial_id, force_area, court_centre, court_type,
-- offence_category, flags (VARCHAR[]: Hate crime, Domestic abuse; empty list for neither),
-- listed_date (DATE), outcome, reason (NULL for an effective trial), attributed_to (NULL for an
-- effective trial), witnesses_required, witnesses_attended (BIGINT), problems.
-- An effective trial has no reason and no attribution; a cracked or ineffective one has both, and
-- its reason must be one reference/trial_reasons.csv gives for that outcome. A court centre must
-- be of the trial's court type and force area; attended witnesses cannot exceed those required; a
-- listed date more than past_margin() days beyond the file's period (date_anchors) is rejected. A
-- trial id given twice among the valid lines is rejected the second time; a line rejected for a
-- bad value does not count, so a corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 12) AS whole_line,
        r.listed_date AS date_raw, r.flags AS flags_raw,
        r.witnesses_required AS required_raw, r.witnesses_attended AS attended_raw,
        tidy(r.trial_id) AS trial_id, tidy(r.force_area) AS force_area,
        tidy(r.court_centre) AS court_centre, tidy(r.court_type) AS court_type,
        c.court_type AS centre_type, c.force_area AS centre_force,
        tidy(r.offence_category) AS offence_category,
        list_filter(list_transform(string_split(coalesce(r.flags, ''), ';'), lambda x: tidy(x)),
                    lambda x: x <> '') AS flags,
        parse_date(r.listed_date) AS listed_date,
        tidy(r.outcome) AS outcome,
        nullif(tidy(r.reason), '') AS reason, t.outcome AS reason_outcome,
        nullif(tidy(r.attributed_to), '') AS attributed_to,
        -- whole numbers only (a cast would round 1.5 to 2)
        CASE WHEN regexp_full_match(tidy(r.witnesses_required), '[0-9]{1,9}')
             THEN tidy(r.witnesses_required)::BIGINT END AS witnesses_required,
        CASE WHEN regexp_full_match(tidy(r.witnesses_attended), '[0-9]{1,9}')
             THEN tidy(r.witnesses_attended)::BIGINT END AS witnesses_attended,
        a.anchor, a.basis,
        -- the flags and the reasons of each outcome (a lambda cannot hold a subquery: a column can)
        (SELECT list(value) FROM vocab WHERE kind = 'flag') AS known_flags
    FROM raw_trials r
    LEFT JOIN date_anchors a ON a.extract = 'trials' AND a.file = r.file
    LEFT JOIN ref_court_centres c ON c.court_centre = tidy(r.court_centre)
    LEFT JOIN ref_trial_reasons t ON t.reason = tidy(r.reason)
    LEFT JOIN load_files f ON f.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, trial_id, force_area, court_centre, court_type, offence_category,
        flags, listed_date, outcome, reason, attributed_to, witnesses_required,
        witnesses_attended, whole_line,
        list_filter([
            CASE WHEN coalesce(trial_id, '') = '' THEN problem(
                'trial_id', trial_id, 'a trial listing reference') END,
            CASE WHEN NOT known('force_area', force_area) THEN problem(
                'force_area', force_area, 'a police force area in reference/force_areas.csv')
                WHEN centre_force IS NOT NULL AND force_area <> centre_force THEN problem(
                'force_area', force_area, centre_force || ', the force area of ' || court_centre) END,
            CASE WHEN centre_type IS NULL THEN problem(
                'court_centre', court_centre, 'a court centre in data/reference/court_centres.csv') END,
            CASE WHEN NOT known('court_type', court_type) THEN problem(
                'court_type', court_type, one_of('court_type'))
                WHEN centre_type IS NOT NULL AND court_type <> centre_type THEN problem(
                'court_type', court_type, centre_type || ', the type of ' || court_centre) END,
            CASE WHEN NOT known('offence_category', offence_category) THEN problem(
                'offence_category', offence_category,
                'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
            CASE WHEN NOT list_has_all(known_flags, flags) OR len(flags) <> len(list_distinct(flags))
                THEN problem('flags', flags_raw,
                    'empty, or Hate crime and/or Domestic abuse, each once, separated by ;') END,
            CASE WHEN listed_date IS NULL THEN problem(
                'listed_date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
            beyond_period('listed_date', date_raw, listed_date, anchor, basis, past_margin()),
            CASE WHEN NOT known('trial_outcome', outcome) THEN problem(
                'outcome', outcome, one_of('trial_outcome')) END,
            CASE WHEN outcome = 'Effective' AND reason IS NOT NULL THEN problem(
                    'reason', reason, 'empty for an effective trial')
                WHEN outcome IN ('Cracked', 'Ineffective') AND reason IS NULL THEN problem(
                    'reason', reason, 'a reason for a ' || lower(outcome)
                    || ' trial in reference/trial_reasons.csv')
                WHEN reason IS NOT NULL AND reason_outcome IS NULL THEN problem(
                    'reason', reason, 'a reason in reference/trial_reasons.csv')
                WHEN outcome IN ('Cracked', 'Ineffective') AND reason_outcome <> outcome THEN
                    problem('reason', reason, 'a reason for a ' || lower(outcome) || ' trial ('''
                    || reason || ''' explains a ' || lower(reason_outcome) || ' trial)') END,
            CASE WHEN outcome = 'Effective' AND attributed_to IS NOT NULL THEN problem(
                    'attributed_to', attributed_to, 'empty for an effective trial')
                WHEN outcome IN ('Cracked', 'Ineffective')
                    AND NOT known('trial_attribution', attributed_to) THEN problem(
                    'attributed_to', attributed_to, one_of('trial_attribution')) END,
            CASE WHEN witnesses_required IS NULL THEN problem(
                'witnesses_required', required_raw, 'a whole number, 0 or more') END,
            CASE WHEN witnesses_attended IS NULL THEN problem(
                    'witnesses_attended', attended_raw, 'a whole number, 0 or more')
                WHEN witnesses_attended > witnesses_required THEN problem(
                    'witnesses_attended', attended_raw,
                    'at most witnesses_required (' || witnesses_required || ')') END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- ids given more than once among valid lines, and the line that gave each first (hash
-- aggregates; only the lines of ids given twice in the files are checked again here)
repeated AS (
    SELECT tidy(trial_id) AS trial_id FROM raw_trials GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT trial_id, file, line FROM checked
    WHERE trial_id IN (SELECT trial_id FROM repeated) AND whole_line AND len(problems) = 0
),
firsts AS (
    SELECT trial_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE trial_id IN (SELECT trial_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.trial_id, c.force_area, c.court_centre, c.court_type,
    c.offence_category, c.flags, c.listed_date, c.outcome, c.reason, c.attributed_to,
    c.witnesses_required, c.witnesses_attended,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('trial_id', c.trial_id, 'each trial once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.trial_id = c.trial_id
