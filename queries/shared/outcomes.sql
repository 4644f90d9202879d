-- Macros the conviction rate queries share, so that what an area's total is made of, and when it
-- is complete, is defined once. Created by the warehouse after staging, on every sync.
--
-- outcomes_by_unit(area, crime_type, start_month, end_month): one row per month covered and unit
-- of the area, from start_month to end_month (YYYY-MM). The units of an area: a police force area
-- is one unit (itself); "CPS <Area>" is its forces; National is one unit, CPS's own National row.
-- The months covered: for All crime and the 12 offence categories, every month whose CPS file
-- loaded (a month never published has no row); for a flag, every month of the flagged sample.
-- A crime type that is neither gives no rows, and so does a flag for an area the flagged sample
-- does not hold (it holds the four West Midlands forces): no data, not zeros.
-- Columns: month (DATE), unit, convictions, unsuccessful, admin_finalised (All crime only, else 0),
-- included (the unit's figures for the month are whole), missing (NULL when included, else the
-- unit, with the categories it lacks when only some are missing: 'Warwickshire (Burglary)'),
-- source ('CPS published' or 'Synthetic sample').
-- Whole means: for an offence category, the unit's row for it loaded; for All crime, its rows for
-- all 12 categories and for administratively finalised cases loaded (a bad count rejects only its
-- own category: queries/staging/case_outcomes.sql); for a flag, no line of the unit, month and
-- flag was rejected (unless a line with the same key loaded: a repeat). A unit with no cases in
-- a month covered is whole, with zero counts.
-- outcome_cells(area, crime_type, start_month, end_month): the cells such a total is made of, one
-- row per month covered, unit and part (the file's offence categories, by name, whether or not
-- data/reference/offence_categories.csv lists them, and for All crime 'Administratively
-- finalised', cps_order 13), with the part's counts where its row loaded (loaded false, counts
-- NULL, where it did not). conviction_rate_by_category reads it with crime_type 'By category'
-- (the 12 categories, no admin finalised part).
CREATE OR REPLACE MACRO outcome_cells(area, crime_type, start_month, end_month) AS TABLE
WITH co_parts AS (  -- the file's 12 categories, each whole only if it loaded (listed or not)
    SELECT k.offence_category, coalesce(c.cps_order, k.position) AS cps_order,
        coalesce(c.short_name, k.offence_category) AS short_name
    FROM case_outcome_categories k
    LEFT JOIN ref_offence_categories c ON c.offence_category = k.offence_category
    WHERE crime_type IN ('All crime', 'By category') OR k.offence_category = crime_type
    UNION ALL
    SELECT 'Administratively finalised', 13, 'Admin finalised' WHERE crime_type = 'All crime'
),
co_units AS (
    SELECT force_area AS unit FROM ref_force_areas WHERE in_area(force_area, area)
    UNION ALL
    SELECT 'National' WHERE in_area('National', area)
),
co_months AS (
    SELECT DISTINCT strptime(period, '%Y-%m')::DATE AS month FROM load_files
    WHERE extract = 'case_outcomes' AND status = 'loaded' AND period IS NOT NULL
)
SELECT m.month, u.unit, p.offence_category, p.cps_order, p.short_name,
    s.convictions, s.unsuccessful, s.offence_category IS NOT NULL AS loaded
FROM co_months m
CROSS JOIN co_units u
CROSS JOIN co_parts p
LEFT JOIN stg_case_outcomes s
    ON s.month = m.month AND s.force_area = u.unit AND s.offence_category = p.offence_category
WHERE m.month BETWEEN month_start(start_month) AND month_start(end_month);

CREATE OR REPLACE MACRO outcomes_by_unit(area, crime_type, start_month, end_month) AS TABLE
WITH co AS (
    SELECT month, unit,
        coalesce(sum(convictions) FILTER (WHERE cps_order <= 12), 0) AS convictions,
        coalesce(sum(unsuccessful) FILTER (WHERE cps_order <= 12), 0) AS unsuccessful,
        coalesce(sum(unsuccessful) FILTER (WHERE cps_order = 13), 0) AS admin_finalised,
        count(*) FILTER (WHERE loaded) AS parts_loaded,
        count(*) AS parts,
        string_agg(CASE WHEN cps_order = 13 THEN 'administratively finalised'
                        ELSE offence_category END, ', ' ORDER BY cps_order)
            FILTER (WHERE NOT loaded) AS parts_missing
    FROM outcome_cells(area, crime_type, start_month, end_month)
    GROUP BY month, unit
),
fl_units AS (
    SELECT DISTINCT force_area AS unit FROM stg_flagged_outcomes
    WHERE in_area(force_area, area) AND known('flag', crime_type)
),
fl_months AS (
    SELECT DISTINCT month FROM stg_flagged_outcomes
),
fl_rejected AS (
    SELECT DISTINCT r.month, r.unit
    FROM (
        SELECT try_strptime(trim(r.month), '%Y-%m')::DATE AS month, trim(r.force_area) AS unit,
            trim(r.court_type) AS court_type, trim(r.offence_category) AS offence_category
        FROM row_problems p
        JOIN raw_flagged_outcomes r ON r.file = p.file AND r.line = p.line
        WHERE p.extract = 'flagged_outcomes' AND p.severity = 'error'
          AND trim(r.flag) = crime_type
    ) r
    WHERE NOT EXISTS (
        SELECT 1 FROM stg_flagged_outcomes s
        WHERE s.month = r.month AND s.force_area = r.unit AND s.court_type = r.court_type
          AND s.flag = crime_type AND s.offence_category = r.offence_category)
),
fl AS (
    SELECT m.month, u.unit,
        coalesce(sum(s.convictions), 0) AS convictions,
        coalesce(sum(s.unsuccessful), 0) AS unsuccessful
    FROM fl_months m
    CROSS JOIN fl_units u
    LEFT JOIN stg_flagged_outcomes s
        ON s.month = m.month AND s.force_area = u.unit AND s.flag = crime_type
    WHERE m.month BETWEEN month_start(start_month) AND month_start(end_month)
    GROUP BY m.month, u.unit
)
SELECT month, unit, convictions, unsuccessful, admin_finalised,
    parts_loaded = parts AS included,
    CASE WHEN parts_loaded = 0 THEN unit
         WHEN parts_loaded < parts THEN unit || ' (' || parts_missing || ')' END AS missing,
    'CPS published' AS source
FROM co
UNION ALL
SELECT fl.month, fl.unit, fl.convictions, fl.unsuccessful, 0,
    x.unit IS NULL,
    CASE WHEN x.unit IS NOT NULL THEN fl.unit END,
    'Synthetic sample'
FROM fl
LEFT JOIN fl_rejected x ON x.month = fl.month AND x.unit = fl.unit;
