-- staging: agent_spend — payments to agents (magistrates' court sessions) and external counsel
-- (Crown Court), sample.
-- Reads raw_agent_spend (text, one row per file line).
-- Returns one row per payment: file, line, payment_id, payment_date (DATE), court_centre,
-- court_type (from the court reference), force_area, spend_type, offence_category (NULL where not
-- known), sessions, amount_gbp (DECIMAL), problems. A payment id given twice is rejected the
-- second time; a force that is not the court's own is rejected.
WITH typed AS (
    SELECT r.file, r.line, r._fields,
        r.payment_date AS date_raw, r.sessions AS sessions_raw, r.amount_gbp AS amount_raw,
        trim(r.payment_id) AS payment_id, parse_date(r.payment_date) AS payment_date,
        trim(r.court_centre) AS court_centre, c.court_type, c.force_area AS court_force,
        trim(r.force_area) AS force_area, trim(r.spend_type) AS spend_type,
        nullif(trim(r.offence_category), '') AS offence_category,
        parse_count(r.sessions) AS sessions, parse_money(r.amount_gbp) AS amount_gbp
    FROM raw_agent_spend r
    LEFT JOIN ref_court_centres c ON c.court_centre = trim(r.court_centre)
),
ranked AS (
    SELECT *,
        row_number() OVER w AS id_rank,
        first_value(file || ' line ' || line) OVER w AS id_first
    FROM typed
    WINDOW w AS (PARTITION BY payment_id ORDER BY file, line)
)
SELECT file, line, _fields, payment_id, payment_date, court_centre, court_type, force_area,
    spend_type, offence_category, sessions, amount_gbp,
    list_filter([
        CASE WHEN coalesce(payment_id, '') = '' THEN problem(
            'payment_id', payment_id, 'a payment reference') END,
        CASE WHEN id_rank > 1 AND payment_id <> '' THEN problem(
            'payment_id', payment_id, 'each payment once; already at ' || id_first) END,
        CASE WHEN payment_date IS NULL THEN problem(
            'payment_date', date_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
        CASE WHEN payment_date > current_date THEN problem(
            'payment_date', date_raw, 'a date that is not in the future') END,
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
            'empty, or one of the 12 CPS offence categories') END,
        CASE WHEN sessions IS NULL OR sessions < 0 THEN problem(
            'sessions', sessions_raw, 'a whole number of sessions, 0 or more') END,
        CASE WHEN amount_gbp IS NULL THEN problem(
            'amount_gbp', amount_raw, 'an amount in pounds, e.g. 150.00') END,
        CASE WHEN amount_gbp < 0 THEN problem(
            'amount_gbp', amount_raw, 'an amount of 0 or more') END
    ], lambda p: p IS NOT NULL) AS problems
FROM ranked
