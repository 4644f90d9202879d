-- Money the agent_ queries share: an average in pounds, rounded once and exactly.
--
-- money_half_up(amount, n): amount ÷ n in pounds to 2 decimal places, rounded half-up (halves
-- away from zero) as CPS publishes; NULL when n is not above 0. amount is a DECIMAL in pounds and
-- pence (staging reads money as DECIMAL(14, 2)), so the division is done in whole pence, in
-- integers: £1.15 ÷ 2 = £0.575 → £0.58, where DOUBLE arithmetic gives 0.57499… → £0.57.
CREATE OR REPLACE MACRO money_half_up(amount, n) AS
    CASE WHEN n > 0 THEN
        (sign(amount) * ((2 * abs(amount * 100)::HUGEINT + n) // (2 * n)))::DECIMAL(38, 0) * 0.01
    END;
