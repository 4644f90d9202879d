-- vcl_letter_cells: vcl_marked (queries/shared/vcl.sql, which defines judged, on time, late, sent
-- late and unsent past due) counted once for every month of decision, offence category, flags,
-- police force area and service, with the letters assessed for quality by grade, for the vcl_
-- queries to sum with vcl_counts: each of them read every letter again on every run (13,544 in
-- the sample; 3,267 cells).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: vcl_letters
CREATE OR REPLACE TABLE vcl_letter_cells AS
SELECT
    date_trunc('month', decision_date)::DATE AS month,
    offence_category,
    flags,
    force_area,
    enhanced,
    count(*) AS letters,
    count(*) FILTER (WHERE judged) AS due,
    count(*) FILTER (WHERE on_time) AS on_time,
    count(*) FILTER (WHERE late) AS late,
    count(*) FILTER (WHERE sent_late) AS sent_late,
    count(*) FILTER (WHERE unsent_overdue) AS unsent_overdue,
    count(*) FILTER (WHERE NOT judged) AS not_yet_due,
    count(quality) AS assessed,
    count(*) FILTER (WHERE quality = 'Good') AS good,
    count(*) FILTER (WHERE quality = 'Fair') AS fair,
    count(*) FILTER (WHERE quality = 'Poor') AS poor
FROM vcl_marked()
GROUP BY ALL
ORDER BY ALL;
