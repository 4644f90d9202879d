-- Every measure's target, from the measure registry data/reference/measures.csv (a manager may edit it): status Green when met, Amber within amber_margin (the registry's tolerance), Red beyond.
-- grain: one row per measure that has a target
-- returns: measure, label, target, amber_margin, direction (higher or lower is better), unit
SELECT key AS measure, label, target, tolerance AS amber_margin, better AS direction, unit
FROM ref_measures
WHERE target IS NOT NULL
ORDER BY position
