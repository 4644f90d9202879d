-- trial_cells: trials_marked (queries/shared/trials.sql, which defines prosecution attributed and
-- witness absent) counted once for every month trials were listed, offence category, flags,
-- court type, police force area, outcome, reason and attribution, with the prosecution witnesses
-- warned and attending, for the trial_ and witness_ queries to sum with trial_counts: each of
-- them read every trial again on every run (44 thousand in the sample; about 16 thousand cells).
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: trials
CREATE OR REPLACE TABLE trial_cells AS
SELECT
    date_trunc('month', listed_date)::DATE AS month,
    offence_category,
    flags,
    court_type,
    force_area,
    outcome,
    reason,
    attributed_to,
    count(*) AS trials,
    count(*) FILTER (WHERE outcome = 'Effective') AS effective,
    count(*) FILTER (WHERE outcome = 'Cracked') AS cracked,
    count(*) FILTER (WHERE outcome = 'Ineffective') AS ineffective,
    count(*) FILTER (WHERE prosecution) AS prosecution,
    count(*) FILTER (WHERE witness_absent) AS witness_absent,
    sum(witnesses_required)::BIGINT AS witnesses_required,
    sum(witnesses_attended)::BIGINT AS witnesses_attended
FROM trials_marked()
GROUP BY ALL
ORDER BY ALL;
