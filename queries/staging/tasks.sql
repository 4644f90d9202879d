-- staging: tasks — case management tasks with due and completion dates (sample).
-- Reads raw_tasks (text, one row per file line).
-- Returns one row per task: file, line, task_id, team, task_type, offence_category,
-- created_date, due_date, completed_date (DATE; NULL while open), problems. A task id given twice
-- is rejected the second time; due or completion before creation is rejected.
WITH typed AS (
    SELECT file, line, _fields,
        created_date AS created_raw, due_date AS due_raw, completed_date AS completed_raw,
        trim(task_id) AS task_id, trim(team) AS team, trim(task_type) AS task_type,
        trim(offence_category) AS offence_category,
        parse_date(created_date) AS created_date, parse_date(due_date) AS due_date,
        parse_date(completed_date) AS completed_date
    FROM raw_tasks
),
-- Task ids given more than once, and the line that gave each first: a hash aggregate over the ids
-- alone. (A window over every typed row held all 6 million rows in memory at scale 10.)
repeated AS (
    SELECT trim(task_id) AS task_id FROM raw_tasks GROUP BY 1 HAVING count(*) > 1
),
firsts AS (
    SELECT trim(task_id) AS task_id, min({'file': file, 'line': line}) AS first_at
    FROM raw_tasks
    WHERE trim(task_id) IN (SELECT task_id FROM repeated)
    GROUP BY 1
),
ranked AS (
    SELECT t.*,
        CASE WHEN d.first_at IS NULL OR d.first_at = {'file': t.file, 'line': t.line}
            THEN 1 ELSE 2 END AS id_rank,
        d.first_at.file || ' line ' || d.first_at.line AS id_first
    FROM typed t
    LEFT JOIN firsts d ON d.task_id = t.task_id
)
SELECT file, line, _fields, task_id, team, task_type, offence_category, created_date, due_date,
    completed_date,
    list_filter([
        CASE WHEN coalesce(task_id, '') = '' THEN problem('task_id', task_id, 'a task id') END,
        CASE WHEN id_rank > 1 AND task_id <> '' THEN problem(
            'task_id', task_id, 'each task id once; already at ' || id_first) END,
        CASE WHEN NOT known('team', team) THEN problem('team', team, one_of('team')) END,
        CASE WHEN NOT known('task_type', task_type) THEN problem(
            'task_type', task_type, one_of('task_type')) END,
        CASE WHEN NOT known('offence_category', offence_category) THEN problem(
            'offence_category', offence_category,
            'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
        CASE WHEN created_date IS NULL THEN problem(
            'created_date', created_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
        CASE WHEN created_date > current_date THEN problem(
            'created_date', created_raw, 'a date that is not in the future') END,
        CASE WHEN due_date IS NULL THEN problem(
            'due_date', due_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02')
            WHEN due_date < created_date THEN problem(
            'due_date', due_raw, 'a due date on or after created_date ' || created_raw) END,
        CASE WHEN coalesce(trim(completed_raw), '') <> '' AND completed_date IS NULL THEN problem(
            'completed_date', completed_raw, 'empty while open, or a real date as YYYY-MM-DD')
            WHEN completed_date < created_date THEN problem(
            'completed_date', completed_raw,
            'a completion date on or after created_date ' || created_raw) END
    ], lambda p: p IS NOT NULL) AS problems
FROM ranked
