-- outcome_units: outcomes_by_unit (queries/shared/outcomes.sql) worked out once for every unit,
-- crime type and month covered, so that the conviction rate queries read its rows instead of
-- working the grid out again on every run (~25 ms a query on the sample, against ~10 from here).
-- The definitions stay in the macro: this is what it gives for each area that holds each unit
-- once (every CPS Area, and National), for All crime, each offence category of the case outcome
-- files and each flag. A crime type or area outside these has no rows here, as it has none there.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: case_outcomes, flagged_outcomes
CREATE OR REPLACE TABLE outcome_units AS
WITH areas AS (
    SELECT DISTINCT 'CPS ' || cps_area AS area FROM ref_force_areas
    UNION ALL
    SELECT 'National'
),
crime_types AS (
    SELECT 'All crime' AS crime_type
    UNION
    SELECT offence_category FROM case_outcome_categories
    UNION
    SELECT value FROM vocab WHERE kind = 'flag'
)
SELECT c.crime_type, o.*
FROM areas a, crime_types c,
    LATERAL (SELECT * FROM outcomes_by_unit(a.area, c.crime_type, '0001-01', '9999-12')) o
ORDER BY c.crime_type, o.unit, o.month;
