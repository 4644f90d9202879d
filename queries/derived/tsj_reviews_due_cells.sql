-- tsj_reviews_due_cells: tsj_reviews_judged (queries/shared/casework.sql, which defines judged,
-- on time, late and open_overdue) counted once for every month reviews fell due, offence
-- category, police force area, team, plea type and review type, for the tsj_ queries to sum with
-- tsj_review_counts: each of them read every review again on every run (84 thousand in the
-- sample, 840 thousand at scale 10; about 4 thousand cells in the sample). first_due is the
-- cell's earliest due date and as_at the extract's date, for the rule that no month wholly after
-- the extract was taken is shown.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: tsj_reviews
CREATE OR REPLACE TABLE tsj_reviews_due_cells AS
SELECT
    date_trunc('month', due_date)::DATE AS month,
    offence_category,
    force_area,
    team,
    plea_type,
    review_type,
    count(*) AS reviews,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE on_time) AS on_time,
    count(*) FILTER (WHERE late) AS late,
    count(*) FILTER (WHERE open_overdue) AS open_overdue,
    count(*) FILTER (WHERE NOT judged) AS not_yet_due,
    min(due_date) AS first_due,
    min(as_at) AS as_at
FROM tsj_reviews_judged()
GROUP BY ALL
ORDER BY ALL;
