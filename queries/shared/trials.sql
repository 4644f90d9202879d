-- Macros the trial_ and witness_ queries share, so that which trials a filter keeps is defined once.
-- Created by the warehouse after staging, on every sync (they read stg_trials).
--
-- trials_listed(crime_type, area, court_type, start_month, end_month): the trials of stg_trials
-- listed from the first day of start_month to the last day of end_month (YYYY-MM) in `area` (a
-- police force area, 'CPS <Area>' or National: see in_area) and `court_type` (Magistrates' court,
-- Crown Court, or All courts), for a crime type: All crime keeps every trial, a flag (Hate crime,
-- Domestic abuse) the trials flagged so (a trial flagged both counts under each), an offence
-- category the trials of that category. Adds:
--   prosecution  cracked or ineffective, attributed to the prosecution
--   witness_absent  ineffective because a prosecution witness was absent
CREATE OR REPLACE MACRO trials_listed(crime_type, area, court_type, start_month, end_month) AS TABLE
    SELECT t.*,
        t.outcome <> 'Effective' AND t.attributed_to = 'Prosecution' AS prosecution,
        t.outcome = 'Ineffective' AND t.reason = 'Prosecution witness absent' AS witness_absent
    FROM stg_trials t
    WHERE (crime_type = 'All crime' OR t.offence_category = crime_type
           OR list_contains(t.flags, crime_type))
      AND (court_type = 'All courts' OR t.court_type = court_type)
      AND in_area(t.force_area, area)
      AND t.listed_date >= month_start(start_month)
      AND t.listed_date < month_start(end_month) + INTERVAL 1 MONTH;
