-- Macros the tasks_ queries share, so that "on time" and "the extract date" are defined once.
-- Created by the warehouse after staging, on every sync (they read stg_tasks).
--
-- task_counts(category, crime_type): whether a task on a case of offence category `category`
-- counts for crime_type (tasks_for, and the queries summing queries/derived/tasks_due_cells).
CREATE OR REPLACE MACRO task_counts(category, crime_type) AS
    category = crime_type
    OR crime_type NOT IN (SELECT offence_category FROM ref_offence_categories);

-- tasks_for(crime_type): the tasks of stg_tasks for a crime type (task_counts). One of the 12 CPS
-- offence categories narrows to tasks on cases of that category; All crime, or a flag (tasks
-- carry no flag), keeps every task. Adds as_at: the extract is taken to be made at the end of
-- its latest period, the anchor its dates are checked against (date_anchors: the period a file's
-- name gives, else the latest month holding a real share of the rows), which no single row can
-- move.
CREATE OR REPLACE MACRO tasks_for(crime_type) AS TABLE
    SELECT t.*,
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'tasks') AS as_at
    FROM stg_tasks t
    WHERE task_counts(t.offence_category, crime_type);

-- tasks_due(crime_type, start_month, end_month): the tasks DUE from the first day of start_month
-- to the last day of end_month (YYYY-MM), each marked:
--   judged        completed, or due by as_at (an open task due later cannot be judged yet)
--   on_time       completed_date <= due_date
--   late          completed after its due date
--   open_overdue  still open, and due by as_at
CREATE OR REPLACE MACRO tasks_due(crime_type, start_month, end_month) AS TABLE
    SELECT t.*,
        t.completed_date IS NOT NULL OR t.due_date <= t.as_at AS judged,
        coalesce(t.completed_date <= t.due_date, false) AS on_time,
        coalesce(t.completed_date > t.due_date, false) AS late,
        t.completed_date IS NULL AND t.due_date <= t.as_at AS open_overdue
    FROM tasks_for(crime_type) t
    WHERE t.due_date >= month_start(start_month)
      AND t.due_date < month_start(end_month) + INTERVAL 1 MONTH;
