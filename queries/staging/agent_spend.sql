-- staging: agent_spend — payments to agents (magistrates' court sessions) and external counsel
-- (Crown Court), sample.
-- Reads raw_agent_spend (text, one row per file line).
-- Returns one row per payment: file, line, payment_id, payment_date (DATE), court_centre,
-- court_type (from the court reference), force_area, spend_type, offence_category (NULL where not
-- known), sessions, amount_gbp (DECIMAL), problems. A force that is not the court's own is
-- rejected, and so is a payment date more than past_margin() days beyond the file's period
-- (date_anchors). A payment id given twice among the valid lines is rejected the second time; a line
-- rejected for a bad value does not count, so a corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 8) AS whole_line,
        r.payment_date AS date_raw, r.sessions AS sessions_raw, r.amount_gbp AS amount_raw,
        tidy(r.payment_id) AS payment_id, parse_date(r.payment_date) AS payment_date,
        tidy(r.court_centre) AS court_centre, c.court_type, c.force_area AS court_force,
        tidy(r.force_area) AS force_area, tidy(r.spend_type) AS spend_type,
        nullif(tidy(r.offence_category), '') AS offence_category,
        parse_count(r.sessions) AS sessions, parse_money(r.amount_gbp) AS amount_gbp,
        a.anchor, a.basis
    FROM raw_agent_spend r
    LEFT JOIN date_anchors a ON a.extract = 'agent_spend' AND a.file = r.file
    LEFT JOIN ref_court_centres c ON c.court_centre = tidy(r.court_centre)
    LEFT JOIN load_files f ON f.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, payment_id, payment_date, court_centre, court_type, force_area,
    spend_type, offence_category, sessions, amount_gbp, whole_line,
    list_filter([
        CASE WHEN coalesce(payment_id, '') = '' THEN problem(
            'payment_id', payment_id, 'a payment reference') END,
        CASE WHEN payment_date IS NULL THEN problem(
            'payment_date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
        beyond_period('payment_date', date_raw, payment_date, anchor, basis, past_margin()),
        CASE WHEN court_type IS NULL THEN problem(
            'court_centre', court_centre, 'a court centre in data/reference/court_centres.csv') END,
        CASE WHEN NOT known('force_area', force_area) THEN problem(
            'force_area', force_area, 'a police force area in data/reference/force_areas.csv')
            WHEN court_force IS NOT NULL AND force_area <> court_force THEN problem(
            'force_area', force_area,
            court_force || ', the force area of ' || court_centre) END,
        CASE WHEN NOT known('spend_type', spend_type) THEN problem(
            'spend_type', spend_type, one_of('spend_type')) END,
        CASE WHEN offence_category IS NOT NULL AND NOT known('offence_category', offence_category)
            THEN problem('offence_category', offence_category,
            'empty, or one of the 12 CPS offence categories (data/reference/offence_categories.csv)')
            END,
        CASE WHEN sessions IS NULL OR sessions < 0 THEN problem(
            'sessions', sessions_raw, 'a whole number of sessions, 0 or more') END,
        CASE WHEN amount_gbp IS NULL THEN problem(
            'amount_gbp', amount_raw, 'an amount in pounds, e.g. 150.00') END,
        CASE WHEN amount_gbp < 0 THEN problem(
            'amount_gbp', amount_raw, 'an amount of 0 or more') END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
),
-- ids given more than once among valid lines, and the line that gave each first (hash
-- aggregates; only the lines of ids given twice in the files are checked again here)
repeated AS (
    SELECT tidy(payment_id) AS payment_id FROM raw_agent_spend GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT payment_id, file, line FROM checked
    WHERE payment_id IN (SELECT payment_id FROM repeated) AND whole_line AND len(problems) = 0
),
firsts AS (
    SELECT payment_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE payment_id IN (SELECT payment_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.payment_id, c.payment_date, c.court_centre, c.court_type,
    c.force_area, c.spend_type, c.offence_category, c.sessions, c.amount_gbp,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('payment_id', c.payment_id, 'each payment once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.payment_id = c.payment_id
