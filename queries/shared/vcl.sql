-- Macros the vcl_ queries share, so that "due", "on time" and the filters are defined once.
-- Created by the warehouse after staging (they read vcl_letters_due, made from stg_vcl_letters and
-- the working_days calendar the warehouse builds from the holidays package).
--
-- vcl_counts(category, flags, force, enhanced, crime_type, area, service): whether a letter on a
-- case of offence category `category` with `flags`, in police force area `force`, for a victim
-- entitled to the enhanced service or not, counts for a crime type (All crime; a flag, Hate crime
-- or Domestic abuse, keeps the letters with that flag; an offence category those on cases of that
-- category), a geography (in_area: a force, 'CPS <Area>' or National) and a service ('all', 'Y'
-- enhanced only, 'N' standard only). The vcl_ queries sum queries/derived/vcl_letter_cells with it.
CREATE OR REPLACE MACRO vcl_counts(category, flags, force, enhanced, crime_type, area, service) AS
    (crime_type = 'All crime' OR category = crime_type OR list_contains(flags, crime_type))
    AND in_area(force, area)
    AND (service = 'all' OR service = CASE WHEN enhanced THEN 'Y' ELSE 'N' END);

-- vcl_marked(): every letter of vcl_letters_due (stg_vcl_letters with each letter's due_date and
-- the extract's as_at: queries/derived/vcl_letters_due.sql defines them), each marked:
--   judged          sent, or due by as_at (an unsent letter not yet due cannot be judged)
--   on_time         sent_date <= due_date
--   late            judged and not on time: sent after its due date, or unsent and past it
--   sent_late       sent after its due date
--   unsent_overdue  not sent, and due by as_at
CREATE OR REPLACE MACRO vcl_marked() AS TABLE
    SELECT l.*,
        l.sent_date IS NOT NULL OR l.due_date <= l.as_at AS judged,
        coalesce(l.sent_date <= l.due_date, false) AS on_time,
        coalesce(l.sent_date > l.due_date, false)
            OR (l.sent_date IS NULL AND l.due_date <= l.as_at) AS late,
        coalesce(l.sent_date > l.due_date, false) AS sent_late,
        l.sent_date IS NULL AND l.due_date <= l.as_at AS unsent_overdue
    FROM vcl_letters_due l;
