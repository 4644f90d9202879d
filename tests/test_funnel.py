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


# ---------------------------------------------------------------- queries/conviction_rate_funnel.sql
def _published_march_2018(category: str) -> dict[str, tuple[int, int]]:
    """Force → (convictions, unsuccessful) read straight from the published CPS file."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data/case_outcomes/2018"
    out = {}
    with open(path / "Principal_Offence_Category_Mar.csv", newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            conv, uns = (
                int(row[f"Number of {category} {col}"].replace(",", "").strip())
                for col in ("Convictions", "Unsuccessful")
            )
            out[row[""].strip()] = (conv, uns)
    return out


def _limits(p, n, z):
    import math

    half = z * math.sqrt(p * (1 - p) / n)
    return max(0, 100 * (p - half)), min(100, 100 * (p + half))


def test_funnel_query_forces_drugs_march_2018(real_wh):
    pub = _published_march_2018("Drugs Offences")
    assert pub["West Midlands"] == (223, 12)
    assert pub["National"] == (3327, 260)  # p0 = 3327 / 3587 = 92.7516%
    p = 3327 / 3587
    df = real_wh.run_query(
        "conviction_rate_funnel", crime_type="Drugs Offences", start="2018-03", end="2018-03"
    ).set_index("unit")
    forces = {a: cu for a, cu in pub.items() if a != "National" and sum(cu) > 0}
    assert sorted(df.index) == sorted(forces)
    wm = df.loc["West Midlands"]
    assert (wm.cases, wm.convictions, wm.conviction_rate) == (235, 223, 94.9)  # 223/235 = 94.89%
    assert wm.p0 == pytest.approx(100 * p, abs=1e-9)
    assert wm.p0_source == "National row"
    lo, hi = _limits(p, 235, 1.959964)
    assert (wm.lower_95, wm.upper_95) == pytest.approx((lo, hi), abs=1e-9)
    lo, hi = _limits(p, 235, 3.090232)
    assert (wm.lower_998, wm.upper_998) == pytest.approx((lo, hi), abs=1e-9)
    # 94.89% against 95% limits 89.44–96.07% and 99.8% limits 87.52–97.98%: within both
    assert (wm.lower_95, wm.upper_95) == pytest.approx((89.4365, 96.0667), abs=1e-4)
    assert (wm.position_95, wm.position_998) == ("within", "within")
    # every force's position against its own limits, worked out from the file
    for force, (c, u) in forces.items():
        lo, hi = _limits(p, c + u, 3.090232)
        r = 100 * c / (c + u)
        assert df.loc[force, "position_998"] == (
            "above" if r > hi else "below" if r < lo else "within"
        ), force


def test_funnel_query_cps_areas(real_wh):
    pub = _published_march_2018("Drugs Offences")
    df = real_wh.run_query(
        "conviction_rate_funnel",
        crime_type="Drugs Offences",
        start="2018-03",
        end="2018-03",
        level="area",
    ).set_index("unit")
    assert len(df) == 13
    wm_forces = ["West Midlands", "Staffordshire", "Warwickshire", "West Mercia"]
    conv = sum(pub[f][0] for f in wm_forces)
    cases = sum(sum(pub[f]) for f in wm_forces)
    assert (df.loc["CPS West Midlands", "convictions"], df.loc["CPS West Midlands", "cases"]) == (
        conv,
        cases,
    )
    london = pub["Metropolitan and City"]
    assert df.loc["CPS London (North and South)", "cases"] == sum(london)


def test_funnel_query_bad_level_is_named(real_wh):
    import duckdb

    with pytest.raises(duckdb.Error, match="level is 'region'; expected force or area"):
        real_wh.run_query("conviction_rate_funnel", level="region")
