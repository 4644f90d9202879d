-- External counsel fees by principal offence category for one area over a period (sample extract).
-- grain: one row per offence category that has counsel fees, in CPS order ("Not recorded" last)
-- param area: CPS West Midlands | CPS West Midlands or one of its four police force areas
-- param start: 2000-01 | first month, YYYY-MM (default: everything loaded)
-- param end: 2099-12 | last month, YYYY-MM (default: everything loaded)
-- returns: offence_category, short_name, cps_order, counsel_fees (£), payments, average_fee (£, 2 dp, half-up), share_of_counsel_fees (% of the period's counsel fees, one decimal, half-up)
WITH fees AS (
    SELECT coalesce(s.offence_category, 'Not recorded') AS offence_category,
        coalesce(c.short_name, 'Not recorded') AS short_name,
        coalesce(c.cps_order, 99) AS cps_order,
        sum(s.amount_gbp) AS counsel_fees,
        count(*) AS payments
    FROM stg_agent_spend s
    LEFT JOIN ref_offence_categories c ON c.offence_category = s.offence_category
    WHERE s.spend_type = 'External counsel fee'
      AND in_area(s.force_area, $area)
      AND s.payment_date >= month_start($start)
      AND s.payment_date < month_start($end) + INTERVAL 1 MONTH
    GROUP BY 1, 2, 3
)
SELECT
    offence_category,
    short_name,
    cps_order,
    counsel_fees::DOUBLE AS counsel_fees,
    payments,
    money_half_up(counsel_fees, payments)::DOUBLE AS average_fee,
    -- pence as integers, so the half-up rounding is exact
    rate_half_up((counsel_fees * 100)::HUGEINT, (sum(counsel_fees) OVER () * 100)::HUGEINT)
        AS share_of_counsel_fees
FROM fees
ORDER BY cps_order, offence_category
