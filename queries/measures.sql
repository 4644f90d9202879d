-- The measure registry (data/reference/measures.csv, validated at load): one definition per measure.
-- grain: one row per measure, in the order the Overview shows them
-- returns: key, label, unit (% | £ | a plural noun), better (higher | lower | neither), query, column (its monthly value), crime_type (fixed, or empty), by_crime_type, by_flag (the filter's hate crime or domestic abuse flag narrows it), by_force, area_total, synthetic, base_columns (summed for the count a rate rests on), base_noun, page, target, tolerance, definition, position
SELECT key, label, unit, better, query, "column", crime_type, by_crime_type, by_flag, by_force,
    area_total, synthetic, base_columns, base_noun, page, target, tolerance, definition, position
FROM ref_measures
ORDER BY position
