-- training_span: the span the training queries count over, one row: first_month, the month of
-- the first course assigned, and as_at, the day the extract was taken (the end of its latest
-- period: date_anchors, as for training_for in queries/shared/training.sql). training_open_cells
-- counts at the month ends between them; training_backlog_by_month and
-- training_outstanding_by_group read it instead of scanning every course on each run.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: training
CREATE OR REPLACE TABLE training_span AS
SELECT date_trunc('month', min(assigned_date)) AS first_month,
    (SELECT max(anchor) FROM date_anchors WHERE extract = 'training') AS as_at
FROM stg_training;
