-- Macros the vcl_ queries share, so that "due", "on time" and "the extract date" are defined once.
-- Created by the warehouse after staging (they read vcl_letters_due, made from stg_vcl_letters and
-- the working_days calendar the warehouse builds from the holidays package).
--
-- vcl_for(crime_type, area, service): the letters of vcl_letters_due (stg_vcl_letters with each
-- letter's due_date and the extract's as_at: queries/derived/vcl_letters_due.sql defines them) for a crime type (All crime; a flag, Hate crime or Domestic abuse,
-- keeps the letters with that flag; an offence category those on cases of that category), a
-- geography (in_area: a force, 'CPS <Area>' or National) and a service ('all', 'Y' enhanced
-- only, 'N' standard only).
CREATE OR REPLACE MACRO vcl_for(crime_type, area, service) AS TABLE
    SELECT * FROM vcl_letters_due
    WHERE (crime_type = 'All crime' OR offence_category = crime_type
           OR list_contains(flags, crime_type))
      AND in_area(force_area, area)
      AND (service = 'all' OR service = CASE WHEN enhanced THEN 'Y' ELSE 'N' END);

-- vcl_due(crime_type, area, service, start_month, end_month): the letters DECIDED from the first
-- day of start_month to the last day of end_month (YYYY-MM), each marked:
--   judged          sent, or due by as_at (an unsent letter not yet due cannot be judged)
--   on_time         sent_date <= due_date
--   late            judged and not on time: sent after its due date, or unsent and past it
--   sent_late       sent after its due date
--   unsent_overdue  not sent, and due by as_at
CREATE OR REPLACE MACRO vcl_due(crime_type, area, service, start_month, end_month) AS TABLE
    SELECT l.*,
        l.sent_date IS NOT NULL OR l.due_date <= l.as_at AS judged,
        coalesce(l.sent_date <= l.due_date, false) AS on_time,
        coalesce(l.sent_date > l.due_date, false)
            OR (l.sent_date IS NULL AND l.due_date <= l.as_at) AS late,
        coalesce(l.sent_date > l.due_date, false) AS sent_late,
        l.sent_date IS NULL AND l.due_date <= l.as_at AS unsent_overdue
    FROM vcl_for(crime_type, area, service) l
    WHERE l.decision_date >= month_start(start_month)
      AND l.decision_date < month_start(end_month) + INTERVAL 1 MONTH;
