-- Macros the trial_ and witness_ queries share, so that which trials a filter keeps is defined once.
-- Created by the warehouse after staging, on every sync (trials_marked reads stg_trials).
--
-- trial_counts(category, flags, court, force, crime_type, area, courts): whether a trial of
-- offence category `category` with `flags`, at court type `court`, in police force area `force`
-- counts for a crime type (All crime keeps every trial, a flag (Hate crime, Domestic abuse) the
-- trials flagged so (a trial flagged both counts under each), an offence category the trials of
-- that category), an area (a police force area, 'CPS <Area>' or National: see in_area) and a court
-- type (Magistrates' court, Crown Court, or All courts). The trial_ and witness_ queries sum
-- queries/derived/trial_cells with it.
CREATE OR REPLACE MACRO trial_counts(category, flags, court, force, crime_type, area, courts) AS
    (crime_type = 'All crime' OR category = crime_type OR list_contains(flags, crime_type))
    AND (courts = 'All courts' OR court = courts)
    AND in_area(force, area);

-- trials_marked(): every trial of stg_trials, with
--   prosecution     cracked or ineffective, attributed to the prosecution
--   witness_absent  ineffective because a prosecution witness was absent
CREATE OR REPLACE MACRO trials_marked() AS TABLE
    SELECT t.*,
        t.outcome <> 'Effective' AND t.attributed_to = 'Prosecution' AS prosecution,
        t.outcome = 'Ineffective' AND t.reason = 'Prosecution witness absent' AS witness_absent
    FROM stg_trials t;
