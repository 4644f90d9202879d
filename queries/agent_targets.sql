-- Targets for the value-for-money measures (agent spend, agent share, cost per agent session), from data/reference/targets.csv.
-- grain: one row per measure that has a target
-- returns: measure, label, target, amber_margin, direction (higher or lower is better), unit
SELECT measure, label, target, amber_margin, direction, unit
FROM ref_targets
WHERE measure IN ('agent_spend', 'agent_session_share', 'cost_per_agent_session')
ORDER BY measure
