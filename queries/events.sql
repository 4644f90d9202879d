-- Events that monthly charts mark (data/reference/events.csv): what the Area did, and whether it changed a measure's process.
-- grain: one row per event, oldest first
-- returns: date (DATE), label, process_change (true: statistical process control starts new limits after it for its measures), measures (the measure keys it changes; empty: marked on every monthly chart), note
SELECT date, label, process_change, measures, note
FROM ref_events
ORDER BY date, label
