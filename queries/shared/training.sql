-- Macros the training_ queries share, so that "completed by the due date", "overdue" and "the
-- extract date" are defined once. Created by the warehouse after staging, on every sync (they read
-- stg_training).
--
-- training_for(grp): the courses of stg_training for a staff group ('All staff': every
-- group; a name not in the list: none). Adds as_at: the extract is taken to be made at the end of
-- its latest period, the anchor its dates are checked against (date_anchors: the period a file's
-- name gives, else the latest month holding a real share of the rows), which no single row can
-- move. Training has no offence category and no police force: no crime type or geography.
CREATE OR REPLACE MACRO training_for(grp) AS TABLE
    SELECT t.*,
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'training') AS as_at
    FROM stg_training t
    WHERE grp = 'All staff' OR t.staff_group = grp;

-- training_due(): every course of stg_training (training_for('All staff')), each marked
-- (queries/derived/training_due_cells counts them by the month they fell due):
--   judged        completed, or due by as_at (an outstanding course due later cannot be judged yet)
--   on_time       completed_date <= due_date
--   late          completed after its due date
--   open_overdue  still outstanding, and due by as_at
CREATE OR REPLACE MACRO training_due() AS TABLE
    SELECT t.*,
        t.completed_date IS NOT NULL OR t.due_date <= t.as_at AS judged,
        coalesce(t.completed_date <= t.due_date, false) AS on_time,
        coalesce(t.completed_date > t.due_date, false) AS late,
        t.completed_date IS NULL AND t.due_date <= t.as_at AS open_overdue
    FROM training_for('All staff') t;

-- training_open_at(day): the courses outstanding at the end of `day` (assigned by then, not
-- completed by then), each marked overdue when its due date is before `day` (a course due on
-- `day` itself is not yet overdue).
CREATE OR REPLACE MACRO training_open_at(day) AS TABLE
    SELECT t.*, t.due_date < day AS overdue
    FROM training_for('All staff') t
    WHERE t.assigned_date <= day AND (t.completed_date IS NULL OR t.completed_date > day);
