-- tasks_event_cells: stg_tasks counted once for every day and offence category by the events that
-- move tasks_backlog_by_month's running totals: a task opens on its created_date and closes on its
-- completed_date; it becomes overdue the day after its due_date, and stops being overdue on
-- greatest(due_date + 1, completed_date) when it is completed (a task completed by its due date
-- leaves the count the day it joins it: it was never overdue at a month end). The query read every
-- task four times on every run (6 million at scale 10: ~140 ms a run); these cells are a few
-- thousand whatever the scale.
-- Made again by the warehouse whenever what it reads changes (`Warehouse._derive`).
-- extracts: tasks
CREATE OR REPLACE TABLE tasks_event_cells AS
WITH events AS (
    SELECT created_date AS day, offence_category, count(*) AS opened, 0 AS closed,
        0 AS fell_due, 0 AS due_closed
    FROM stg_tasks GROUP BY ALL
    UNION ALL
    SELECT completed_date, offence_category, 0, count(*), 0, 0
    FROM stg_tasks WHERE completed_date IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT due_date + 1, offence_category, 0, 0, count(*), 0
    FROM stg_tasks GROUP BY ALL
    UNION ALL
    SELECT greatest(due_date + 1, completed_date), offence_category, 0, 0, 0, count(*)
    FROM stg_tasks WHERE completed_date IS NOT NULL GROUP BY ALL
)
SELECT day, offence_category,
    sum(opened)::BIGINT AS opened,
    sum(closed)::BIGINT AS closed,
    sum(fell_due)::BIGINT AS fell_due,
    sum(due_closed)::BIGINT AS due_closed
FROM events
GROUP BY ALL
ORDER BY day, offence_category;
