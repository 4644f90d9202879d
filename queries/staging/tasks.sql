-- staging: tasks — case management tasks with due and completion dates (sample).
-- Reads raw_tasks (text, one row per file line).
-- Returns one row per task: file, line, task_id, team, task_type, offence_category,
-- created_date, due_date, completed_date (DATE; NULL while open), problems. Due or completion
-- before creation is rejected, and so is a date beyond its period by more than past_margin() days
-- (created: the file's period in date_anchors; completed: the latest period of the extract) or
-- due_margin() days (due: the latest period). A task id given twice among the valid lines is rejected the second
-- time; a line rejected for a bad value does not count, so a corrected repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.created_date AS created_raw, r.due_date AS due_raw, r.completed_date AS completed_raw,
        tidy(r.task_id) AS task_id, tidy(r.team) AS team, tidy(r.task_type) AS task_type,
        tidy(r.offence_category) AS offence_category,
        parse_date(r.created_date) AS created_date, parse_date(r.due_date) AS due_date,
        parse_date(r.completed_date) AS completed_date, a.anchor, a.basis,
        -- a task is filed by its creation; it may be completed, or fall due, in a later period:
        -- those dates are judged against the latest period of the extract
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'tasks') AS latest,
        'the end of the latest period of the tasks files' AS latest_basis
    FROM raw_tasks r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'tasks' AND a.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, task_id, team, task_type, offence_category, created_date,
        due_date, completed_date, whole_line,
        list_filter([
            CASE WHEN coalesce(task_id, '') = '' THEN problem('task_id', task_id, 'a task id') END,
            CASE WHEN NOT known('team', team) THEN problem('team', team, one_of('team')) END,
            CASE WHEN NOT known('task_type', task_type) THEN problem(
                'task_type', task_type, one_of('task_type')) END,
            CASE WHEN NOT known('offence_category', offence_category) THEN problem(
                'offence_category', offence_category,
                'one of the 12 CPS offence categories (data/reference/offence_categories.csv)') END,
            CASE WHEN created_date IS NULL THEN problem(
                'created_date', created_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
            beyond_period('created_date', created_raw, created_date, anchor, basis, past_margin()),
            beyond_period('due_date', due_raw, due_date, latest, latest_basis, due_margin()),
            beyond_period('completed_date', completed_raw, completed_date, latest, latest_basis,
                          past_margin()),
            CASE WHEN due_date IS NULL THEN problem(
                'due_date', due_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02')
                WHEN due_date < created_date THEN problem(
                'due_date', due_raw, 'a due date on or after created_date ' || created_raw) END,
            CASE WHEN coalesce(tidy(completed_raw::VARCHAR), '') <> '' AND completed_date IS NULL THEN problem(
                'completed_date', completed_raw, 'empty while open, or a real date as YYYY-MM-DD')
                WHEN completed_date < created_date THEN problem(
                'completed_date', completed_raw,
                'a completion date on or after created_date ' || created_raw) END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- Task ids given more than once among valid lines, and the line that gave each first: hash
-- aggregates over the ids alone, and only the lines of ids given twice in the files are checked
-- a second time here. (A window over every typed row held all 6 million rows in memory at
-- scale 10; so did this CTE when it was materialized.)
repeated AS (
    SELECT tidy(task_id) AS task_id FROM raw_tasks GROUP BY 1 HAVING count(*) > 1
),
valid_ids AS (
    SELECT task_id, file, line FROM checked
    WHERE task_id IN (SELECT task_id FROM repeated) AND whole_line AND len(problems) = 0
),
firsts AS (
    SELECT task_id, min({'file': file, 'line': line}) AS first_at
    FROM valid_ids
    WHERE task_id IN (SELECT task_id FROM valid_ids GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
)
SELECT c.file, c.line, c._fields, c.task_id, c.team, c.task_type, c.offence_category,
    c.created_date, c.due_date, c.completed_date,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('task_id', c.task_id, 'each task id once; already at '
                       || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.task_id = c.task_id
