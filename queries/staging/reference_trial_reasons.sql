-- staging: reference/trial_reasons.csv — why a trial cracked or was ineffective.
-- Reads raw_reference_trial_reasons (text, one row per file line).
-- Returns one row per reason: file, line, reason, outcome (Cracked or Ineffective: an effective
-- trial has no reason), usual_attribution, description, problems. A reason given twice among the
-- valid lines is rejected the second time.
WITH checked AS (
    SELECT file, line, _fields, trim(reason) AS reason, trim(outcome) AS outcome,
        trim(usual_attribution) AS usual_attribution, nullif(trim(description), '') AS description,
        list_filter([
            CASE WHEN coalesce(trim(reason), '') = '' THEN problem(
                'reason', reason, 'a short reason, e.g. Guilty plea on the day') END,
            CASE WHEN NOT known('trial_outcome', trim(outcome)) OR trim(outcome) = 'Effective'
                THEN problem('outcome', outcome, 'Cracked or Ineffective') END,
            CASE WHEN NOT known('trial_attribution', trim(usual_attribution)) THEN problem(
                'usual_attribution', usual_attribution, one_of('trial_attribution')) END
        ], lambda p: p IS NOT NULL) AS problems
    FROM raw_reference_trial_reasons
)
SELECT file, line, _fields, reason, outcome, usual_attribution, description,
    CASE WHEN len(problems) = 0 AND row_number() OVER (
            PARTITION BY reason, len(problems) = 0 ORDER BY line) > 1
         THEN [problem('reason', reason, 'each reason once')]
         ELSE problems END AS problems
FROM checked
