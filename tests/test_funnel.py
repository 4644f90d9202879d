"""Funnel plot limits (cjsperf.funnel): unadjusted limits, over-dispersion, positions.

Expected values: the unadjusted limits are PHEindicatormethods' own test outputs,
github.com/ukhsa-collaboration/PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv
(Baseline 80.642448%; columns Lower2s0025limit, Upper2s0025limit, Lower3s0001limit,
Upper3s0001limit). The over-dispersion figures were worked out by hand (a separate step-by-step
calculation, shown below) following github.com/nhs-r-community/FunnelPlotR R/od_adjustment.R
(transformed_zscore for "PR", winsorisation, phi_func, tau_func) and R/calculate_limits.R ("PR"),
whose own tests assert no numbers for proportions.
"""

from __future__ import annotations

import pytest

from cjsperf import funnel

# Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit, Upper3s0001limit: rows of
# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (Baseline 80.642448).
PHE_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (16, 61.282902, 100, 50.118675, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (102, 72.974925, 88.309971, 68.553233, 92.731663),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (9998, 79.867989, 81.416907, 79.421375, 81.863521),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize(("n", "lo95", "hi95", "lo998", "hi998"), PHE_ROWS)
def test_unadjusted_limits_match_phe_indicator_methods(n, lo95, hi95, lo998, hi998):
    lo, hi = funnel.unadjusted_limits(80.642448, n, funnel.Z95)
    assert (float(lo), float(hi)) == pytest.approx((lo95, hi95), abs=1e-5)
    lo, hi = funnel.unadjusted_limits(80.642448, n, funnel.Z998)
    assert (float(lo), float(hi)) == pytest.approx((lo998, hi998), abs=1e-5)


# Six units, 795 events of 1,010 cases: p0 = 78.71287%.
UNITS = ["a", "b", "c", "d", "e", "f"]
EVENTS = [45, 80, 150, 30, 400, 90]
CASES = [50, 100, 200, 60, 500, 100]


def test_overdispersion_by_hand():
    # z = (asin√p − asin√p0) · 2√n: 2.23162, 0.31804, -1.24589, -4.73818, 0.71117, 3.15598;
    # 10th / 90th percentiles (R type 7, sorted z, h = 5 × 0.1 = 0.5): -2.99204 and 2.69380, so
    # d (-4.738) becomes -2.99204 and f (3.156) becomes 2.69380;
    # φ = mean of squares = 3.891356; nφ = 23.348 ≥ n − 1 = 5;
    # w = 4n: Σw = 4040, Σw² = 5 057 600 → τ² = (23.34814 − 5) / (4040 − 5 057 600/4040)
    #   = 18.34814 / 2788.1188 = 0.00658083.
    phi, tau2 = funnel.overdispersion(EVENTS, CASES, 100 * 795 / 1010)
    assert phi == pytest.approx(3.8913563, abs=1e-6)
    assert tau2 == pytest.approx(0.00658083, abs=1e-8)


def test_adjusted_limits_by_hand():
    # sin²(asin√p0 ± z·√(1/(4n) + τ²)) × 100 with τ² = 0.00658083:
    # n = 50: 95% 59.4359–92.9557, 99.8% 47.3308–97.8547; n = 500: 95% 63.9064–90.4236.
    f = funnel.funnel(UNITS, EVENTS, CASES, adjust=True)
    assert f.adjusted and f.overdispersed
    a = f.points.set_index("unit")
    assert (a.loc["a", "lower_95"], a.loc["a", "upper_95"]) == pytest.approx(
        (59.435905, 92.955727), abs=1e-5
    )
    assert (a.loc["a", "lower_998"], a.loc["a", "upper_998"]) == pytest.approx(
        (47.330805, 97.854716), abs=1e-5
    )
    assert (a.loc["e", "lower_95"], a.loc["e", "upper_95"]) == pytest.approx(
        (63.906368, 90.423554), abs=1e-5
    )
    assert f.p0 == pytest.approx(78.712871, abs=1e-6)
    assert "adjusted for over-dispersion" in f.limits_label


def test_positions_and_unadjusted_by_default():
    # d: 30 of 60 = 50%; unadjusted 99.8% lower limit for n = 60 around 78.7129%:
    # 78.7129 − 3.090232 × √(0.787129 × 0.212871 / 60) × 100 = 78.7129 − 16.3304 = 62.3825 → below.
    # f: 90 of 100 = 90%; 95% upper 78.7129 + 1.959964 × 4.0934 = 86.736 → above;
    #    99.8% upper 78.7129 + 3.090232 × 4.0934 = 91.362 → within.
    f = funnel.funnel(UNITS, EVENTS, CASES)
    assert not f.adjusted and f.overdispersed
    p = f.points.set_index("unit")
    assert p.loc["d", "lower_998"] == pytest.approx(62.3825, abs=1e-4)
    assert (p.loc["d", "position_95"], p.loc["d", "position_998"]) == ("below", "below")
    assert p.loc["f", "upper_95"] == pytest.approx(86.736, abs=1e-3)
    assert (p.loc["f", "position_95"], p.loc["f", "position_998"]) == ("above", "within")
    assert (p.loc["b", "position_95"], p.loc["b", "rate"]) == ("within", 80.0)
    assert "adjusted limits are available" in f.limits_label


def test_no_overdispersion_keeps_unadjusted_limits_and_units_without_cases_are_named():
    # every unit exactly at 79%: all z = 0, φ = 0 < (n − 1)/n, so τ² = 0
    f = funnel.funnel(["x", "y", "z", "empty"], [79, 158, 395, 0], [100, 200, 500, 0], adjust=True)
    assert (f.phi, f.tau2, f.adjusted) == (0.0, 0.0, False)
    assert f.left_out == ["empty"] and list(f.points.unit) == ["x", "y", "z"]
    assert f.p0 == pytest.approx(79.0)
    # 79 − 1.959964 × √(0.79 × 0.21 / 100) × 100 = 79 − 1.959964 × 4.07308 = 79 − 7.9831
    assert f.points.loc[0, "lower_95"] == pytest.approx(71.0169, abs=1e-4)


def test_bad_counts_are_named():
    with pytest.raises(ValueError, match="Dorset: 12 events of 10 cases"):
        funnel.funnel(["Dorset"], [12], [10])


def test_curve_for_drawing():
    c = funnel.curve(80.642448, [41, 1008])
    assert list(c.upper_998) == pytest.approx([99.710497, 84.488082], abs=1e-5)
