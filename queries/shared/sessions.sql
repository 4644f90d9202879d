-- Macros the sessions_ and agent_share_ queries share, so that which court sessions a filter keeps
-- is defined once. Created by the warehouse after staging, on every sync.
--
-- session_counts(court, force, courts, area): whether a session at a court of type `court`, in
-- police force area `force`, counts for a court type (All courts, or one court type: Magistrates'
-- court, Crown Court) and an area (in_area: a force, 'CPS <Area>' or National). The queries sum
-- queries/derived/court_session_cells with it.
CREATE OR REPLACE MACRO session_counts(court, force, courts, area) AS
    (courts = 'All courts' OR court = courts) AND in_area(force, area);
