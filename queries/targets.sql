-- Every measure's target, from data/reference/targets.csv (a manager may edit it): status Green when met, Amber within amber_margin, Red beyond.
-- grain: one row per measure that has a target
-- returns: measure, label, target, amber_margin, direction (higher or lower is better), unit
SELECT measure, label, target, amber_margin, direction, unit
FROM ref_targets
ORDER BY measure
