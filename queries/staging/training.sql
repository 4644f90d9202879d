-- staging: training — courses assigned to staff, with due and completion dates (sample).
-- Reads raw_training (text, one row per file line).
-- Returns one row per assignment: file, line, person_id, staff_group, team, course, assigned_date,
-- due_date, completed_date (DATE; NULL while outstanding), problems. A due or completion date before
-- the assignment is rejected, so is a completion more than due_margin() days before the due date,
-- and so is a date beyond its period by more than past_margin() days (assigned: the file's period
-- in date_anchors; completed: the latest period of the extract) or due_margin() days (due: the
-- latest period). The key is person_id, course and assigned_date (a course may be assigned to the
-- same person again, on another day, e.g. a yearly refresher): a key given twice among the valid
-- lines is rejected the second time; a line rejected for a bad value does not count, so a corrected
-- repeat of it loads.
WITH typed AS (
    SELECT r.file, r.line, r._fields, r._fields = coalesce(f.fields, 7) AS whole_line,
        r.assigned_date AS assigned_raw, r.due_date AS due_raw, r.completed_date AS completed_raw,
        tidy(r.person_id) AS person_id, tidy(r.staff_group) AS staff_group, tidy(r.team) AS team,
        tidy(r.course) AS course,
        parse_date(r.assigned_date) AS assigned_date, parse_date(r.due_date) AS due_date,
        parse_date(r.completed_date) AS completed_date, a.anchor, a.basis,
        -- a course is filed by the day it was assigned; it may fall due, or be completed, in a
        -- later period: those dates are judged against the latest period of the extract
        (SELECT max(anchor) FROM date_anchors WHERE extract = 'training') AS latest,
        'the end of the latest period of the training files' AS latest_basis
    FROM raw_training r
    LEFT JOIN load_files f ON f.file = r.file
    LEFT JOIN date_anchors a ON a.extract = 'training' AND a.file = r.file
),
checked AS NOT MATERIALIZED (
    SELECT file, line, _fields, person_id, staff_group, team, course, assigned_date, due_date,
        completed_date, whole_line,
        list_filter([
            CASE WHEN coalesce(person_id, '') = '' THEN problem(
                'person_id', person_id, 'a pseudonymous person id') END,
            CASE WHEN NOT known('staff_group', staff_group) THEN problem(
                'staff_group', staff_group, one_of('staff_group')) END,
            CASE WHEN NOT known('team', team) THEN problem('team', team, one_of('team')) END,
            CASE WHEN NOT known('course', course) THEN problem(
                'course', course, one_of('course')) END,
            CASE WHEN assigned_date IS NULL THEN problem(
                'assigned_date', assigned_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-02') END,
            beyond_period('assigned_date', assigned_raw, assigned_date, anchor, basis,
                          past_margin()),
            beyond_period('due_date', due_raw, due_date, latest, latest_basis, due_margin()),
            beyond_period('completed_date', completed_raw, completed_date, latest, latest_basis,
                          past_margin()),
            CASE WHEN due_date IS NULL THEN problem(
                'due_date', due_raw, 'a real date as YYYY-MM-DD, e.g. 2017-10-31')
                WHEN due_date < assigned_date THEN problem(
                'due_date', due_raw, 'a due date on or after assigned_date ' || assigned_raw) END,
            CASE WHEN coalesce(tidy(completed_raw::VARCHAR), '') <> '' AND completed_date IS NULL THEN problem(
                'completed_date', completed_raw,
                'empty while outstanding, or a real date as YYYY-MM-DD')
                WHEN completed_date < assigned_date THEN problem(
                'completed_date', completed_raw,
                'a completion date on or after assigned_date ' || assigned_raw)
                WHEN completed_date < due_date - due_margin() THEN problem(
                'completed_date', completed_raw,
                'a completion date at most ' || due_margin() || ' days before due_date '
                || due_raw) END
        ], lambda p: p IS NOT NULL) AS problems
    FROM typed
),
-- Keys given more than once among valid lines, and the line that gave each first (as in
-- queries/staging/tasks.sql: only the keys repeated in the files are checked a second time).
repeated AS (
    SELECT tidy(person_id) AS person_id, tidy(course) AS course,
        parse_date(assigned_date) AS assigned_date
    FROM raw_training GROUP BY ALL HAVING count(*) > 1
),
valid_keys AS (
    SELECT c.person_id, c.course, c.assigned_date, c.file, c.line FROM checked c
    SEMI JOIN repeated r ON r.person_id = c.person_id AND r.course = c.course
        AND r.assigned_date = c.assigned_date
    WHERE c.whole_line AND len(c.problems) = 0
),
firsts AS (
    SELECT person_id, course, assigned_date, min({'file': file, 'line': line}) AS first_at
    FROM valid_keys
    GROUP BY ALL
    HAVING count(*) > 1
)
SELECT c.file, c.line, c._fields, c.person_id, c.staff_group, c.team, c.course,
    c.assigned_date, c.due_date, c.completed_date,
    CASE WHEN d.first_at IS NOT NULL AND d.first_at <> {'file': c.file, 'line': c.line}
              AND c.whole_line AND len(c.problems) = 0
         THEN [problem('person_id', c.person_id, 'each person, course and assigned_date once; '
                       || c.course || ' assigned ' || strftime(c.assigned_date, '%Y-%m-%d')
                       || ' already at ' || d.first_at.file || ' line ' || d.first_at.line)]
         ELSE c.problems END AS problems
FROM checked c
LEFT JOIN firsts d ON d.person_id = c.person_id AND d.course = c.course
    AND d.assigned_date = c.assigned_date
