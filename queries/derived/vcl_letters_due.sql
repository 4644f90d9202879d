-- vcl_letters_due: every letter of stg_vcl_letters, with
--   due_date  the working day numbered n + 1 (enhanced) or n + 5 (standard), n being the number
--             of the last working day on or before the decision: the decision day is not
--             counted, and a decision on a weekend or bank holiday has the next working day as
--             its day 1 (working_days: the England and Wales calendar, `Warehouse._working_days`)
--   as_at     the extract is taken to be made at the end of its latest period (date_anchors: the
--             period a file's name gives, else the latest month holding a real share of rows)
-- Worked out once, for vcl_letter_cells to count through vcl_marked (queries/shared/vcl.sql): the due
-- dates took an as-of join with the calendar on every run (~5 ms of ~15 a query on the sample).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: vcl_letters
CREATE OR REPLACE TABLE vcl_letters_due AS
SELECT l.*, d.day AS due_date,
    (SELECT max(anchor) FROM date_anchors WHERE extract = 'vcl_letters') AS as_at
FROM stg_vcl_letters l
ASOF LEFT JOIN working_days w ON l.decision_date >= w.day
LEFT JOIN working_days d ON d.n = w.n + CASE WHEN l.enhanced THEN 1 ELSE 5 END;
