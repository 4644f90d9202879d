-- Macros the tsj_ and disclosure_ queries share, so that "on time", "judged", "fully met" and the
-- filters are defined once. Created by the warehouse after staging, on every sync.
--
-- tsj_review_counts(category, force, plea_kind, crime_type, area, plea): whether a review of a
-- case of offence category `category`, in police force area `force`, of plea type `plea_kind`
-- counts for a crime type (one of the 12 CPS offence categories narrows to reviews of that
-- category; All crime, or a flag, which reviews do not carry, keeps every review), an area
-- (in_area: a force, CPS West Midlands or any other; the sample holds the Area's four forces only)
-- and a plea type (Anticipated guilty, Anticipated not guilty, or anything else: both). The
-- tsj_ queries sum queries/derived/tsj_reviews_due_cells with it.
CREATE OR REPLACE MACRO tsj_review_counts(category, force, plea_kind, crime_type, area, plea) AS
    (category = crime_type
     OR crime_type NOT IN (SELECT offence_category FROM ref_offence_categories))
    AND in_area(force, area)
    AND (plea_kind = plea OR plea NOT IN ('Anticipated guilty', 'Anticipated not guilty'));

-- tsj_reviews_judged(): every review of stg_tsj_reviews, with as_at (the extract is taken to be
-- made at the end of its latest period: date_anchors, which no single row can move), each marked
-- (queries/derived/tsj_reviews_due_cells counts them by the month they fell due):
--   judged        completed, or due by as_at (an open review due later cannot be judged yet)
--   on_time       completed_date <= due_date
--   late          completed after its due date
--   open_overdue  still open, and due by as_at
CREATE OR REPLACE MACRO tsj_reviews_judged() AS TABLE
    SELECT r.*,
        r.completed_date IS NOT NULL OR r.due_date <= r.as_at AS judged,
        coalesce(r.completed_date <= r.due_date, false) AS on_time,
        coalesce(r.completed_date > r.due_date, false) AS late,
        r.completed_date IS NULL AND r.due_date <= r.as_at AS open_overdue
    FROM (SELECT r.*,
              (SELECT max(anchor) FROM date_anchors WHERE extract = 'tsj_reviews') AS as_at
          FROM stg_tsj_reviews r) r;

-- disclosure_marked(): every answer of stg_disclosure_assessments, marked applicable (any answer
-- but Not applicable) and fully_met. queries/derived/disclosure_cells counts them.
CREATE OR REPLACE MACRO disclosure_marked() AS TABLE
    SELECT d.*,
        d.answer <> 'Not applicable' AS applicable,
        d.answer = 'Fully met' AS fully_met
    FROM stg_disclosure_assessments d;

-- disclosure_counts(category, force, crime_type, area): whether a row of
-- queries/derived/disclosure_cells (the answers on cases of offence category `category`, in police
-- force area `force`) counts for a crime type and an area, as tsj_review_counts says.
-- disclosure_row(q): the cells' question row a question parameter reads: one of the disclosure
-- questions its own row; anything else 'All questions', the row of every question together. The
-- disclosure_ queries sum the cells with them.
CREATE OR REPLACE MACRO disclosure_counts(category, force, crime_type, area) AS
    (category = crime_type
     OR crime_type NOT IN (SELECT offence_category FROM ref_offence_categories))
    AND in_area(force, area);

CREATE OR REPLACE MACRO disclosure_row(q) AS
    CASE WHEN q IN (SELECT value FROM vocab WHERE kind = 'disclosure_question') THEN q
         ELSE 'All questions' END;
