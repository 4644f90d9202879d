"""XmR charts (cjsperf.spc): limits, the four rules, segments, variation, assurance, headlines.

Expected values are either worked out by hand (shown beside each) or golden values from the
reference implementation's own tests, github.com/nhs-r-community/NHSRplotthedots (the file is
named in each test).
"""

from __future__ import annotations

import pytest

from cjsperf import spc

# set.seed(123); rnorm(20) in R: the series of NHSRplotthedots tests/testthat/test-ptd_spc_standard.R
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
    -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
    -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def months(n: int, start: str = "2020-01") -> list[str]:
    y, m = int(start[:4]), int(start[5:])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# 10, 12, 10, 12, ... : mean 11, every moving range 2, so mean(mR) = 2;
# limits 11 ± 2.66 × 2 = 5.68 and 16.32; near limits 11 ± (2/3) × 2.66 × 2 = 7.4533 and 14.5467.
ZIGZAG = [10.0, 12.0] * 6


# ---------------------------------------------------------------- golden values from the reference
def test_limits_match_reference_snapshot():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md, "it returns expected values":
    # r1 (rnorm(20), seed 123): mean_col 0.1416238, lpl -3.01138, upl 3.294627;
    # r2 (y[15] <- 10, outliers screened): 0.6694159, -2.383666, 3.722497;
    # r3 (same, screen_outliers = FALSE): 0.6694159, -4.596625, 5.935457.
    r1 = spc.process_limits(RNORM_123)
    assert r1["mean"] == pytest.approx(0.1416238, abs=1e-7)
    assert r1["lower"] == pytest.approx(-3.01138, abs=1e-5)
    assert r1["upper"] == pytest.approx(3.294627, abs=1e-6)
    y = list(RNORM_123)
    y[14] = 10
    r2 = spc.process_limits(y)
    assert (r2["mean"], r2["lower"], r2["upper"]) == pytest.approx(
        (0.6694159, -2.383666, 3.722497), abs=1e-6
    )
    r3 = spc.process_limits(y, screen=False)
    assert (r3["lower"], r3["upper"]) == pytest.approx((-4.596625, 5.935457), abs=1e-6)


def test_ten_point_groups_match_reference_summary():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc.md (facet 0 = first 10 points, facet 1 = last
    # 10): mean 0.0746, lpl -2.60, upl 2.75 and mean 0.209, lpl -3.28, upl 3.70 (3 figures).
    a, b = spc.process_limits(RNORM_123[:10]), spc.process_limits(RNORM_123[10:])
    assert (round(a["mean"], 4), round(a["lower"], 2), round(a["upper"], 2)) == (
        0.0746,
        -2.60,
        2.75,
    )
    assert (round(b["mean"], 3), round(b["lower"], 2), round(b["upper"], 2)) == (0.209, -3.28, 3.70)


def test_reference_series_is_all_common_cause_and_hit_and_miss():
    # _snaps/ptd_spc.md: n 20, common_cause 20, special_cause_improvement 0 (target 0.5, which is
    # between the limits -3.01 and 3.29, so ptd_calculate_assurance_type gives "inconsistent").
    r = spc.xmr(months(20), RNORM_123, better="higher", target=0.5)
    assert list(r.points.signal) == [""] * 20
    assert r.variation == "common cause"
    assert r.assurance == "hit and miss"
    assert r.points["upper"].iloc[0] == pytest.approx(3.294627, abs=1e-6)


def test_two_near_points_on_opposite_sides_are_common_cause():
    # NHSRplotthedots tests/testthat/test-ptd_spc_standard.R, last test: rep(c(1, -1), 8) with
    # points 15 and 16 set to 5.5 and -5.5: both "common_cause".
    y = [1.0, -1.0] * 8
    y[14], y[15] = 5.5, -5.5
    r = spc.xmr(months(16), y, better="higher")
    assert list(r.points.signal[-2:]) == ["", ""]
    # by hand: mean 0; mR thirteen 2s, 6.5, 11 → mean 43.5/15 = 2.9; 11 ≥ 3.267 × 2.9 = 9.47 is
    # screened → 32.5/14 = 2.3214; upper 6.175, near 4.117: 5.5 is near, -5.5 near the other side.
    assert r.points["upper"].iloc[0] == pytest.approx(2.66 * 32.5 / 14)
    assert r.points["near_upper"].iloc[0] == pytest.approx(2 / 3 * 2.66 * 32.5 / 14)


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        # NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R, ptd_part_of_two_in_three:
        # hv c(1, 0, 0, 1) → c(0, 0, 0, 0); iv c(1, 0, 0, 1, 1) → c(0, 0, 0, 1, 1); all above mean.
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
        ([1, 0, 1], [1, 0, 1]),
        ([0, 1, 1], [0, 1, 1]),
    ],
)
def test_two_of_three_reference_cases(close, expected):
    # limits: mean 0, near ±2, process ±3; a near point is 2.5, the others 1 (above, not near)
    y = [2.5 if c else 1.0 for c in close]
    got = [s == "two of three" for s, _ in spc.special_causes(y, 0, -3, 3, -2, 2)]
    assert got == [bool(e) for e in expected]


def test_trend_reference_cases():
    # test-ptd_calculate_point_type.R, ptd_seven_point_trend: c(1:3, 3:6) → no trend (a tie);
    # c(2, 1:7, 3) → a trend ending at point 8, so points 2–8 are part of it (ptd_part_of_seven_trend).
    wide = (4, -96, 104, -60, 60)  # mean 4, limits far away: only the trend rule can fire
    tie = spc.special_causes([1, 2, 3, 3, 4, 5, 6], *wide)
    assert [s for s, _ in tie] == [""] * 7
    run = spc.special_causes([2, 1, 2, 3, 4, 5, 6, 7, 3], *wide)
    assert [s for s, _ in run] == [""] + ["trend"] * 7 + [""]
    assert {d for s, d in run if s} == {"rising"}


def test_shift_reference_case():
    # test-ptd_calculate_point_type.R, ptd_seven_point_one_side_mean(c(rep(1, 8), -1)) →
    # runs ending at points 7 and 8, so points 1–8 are part of a shift; the 9th is not.
    y = [1.0] * 8 + [-1.0]
    got = spc.special_causes(y, 0, -3, 3, -2, 2)
    assert [s for s, _ in got] == ["shift"] * 8 + [""]
    assert got[0][1] == "above"


# ---------------------------------------------------------------- hand-worked rules
def test_limits_by_hand():
    r = spc.xmr(months(12), ZIGZAG, better="higher")
    p = r.points.iloc[0]
    assert (p["mean"], p["lower"], p["upper"]) == pytest.approx((11, 5.68, 16.32))
    assert (p["near_lower"], p["near_upper"]) == pytest.approx((11 - 3.546667, 11 + 3.546667))
    assert r.message == "" and r.variation == "common cause"


def test_outside_limits_and_screening_of_a_huge_moving_range():
    # ZIGZAG then 30: mean (132 + 30) / 13 = 12.4615; mR eleven 2s and 18 → mean 40/12 = 3.333;
    # 18 ≥ 3.267 × 3.333 = 10.89 is screened → mean(mR) 22/11 = 2; upper 12.4615 + 5.32 = 17.7815.
    r = spc.xmr(months(13), ZIGZAG + [30], better="higher")
    last = r.points.iloc[-1]
    assert last["upper"] == pytest.approx(162 / 13 + 5.32)
    assert last["lower"] == pytest.approx(162 / 13 - 5.32)
    assert (last["signal"], last["direction"], last["special_cause"]) == (
        "outside limits",
        "above",
        "improvement",
    )
    assert r.variation == "special cause improvement"
    assert spc.xmr(months(13), ZIGZAG + [30], better="lower").variation == "special cause concern"
    assert spc.xmr(months(13), ZIGZAG + [30], better="neither").variation == "special cause neutral"
    # without screening: mean(mR) 3.333, upper 12.4615 + 8.8667 = 21.328
    r_all = spc.xmr(months(13), ZIGZAG + [30], better="higher", screen=False)
    assert r_all.points["upper"].iloc[0] == pytest.approx(162 / 13 + 2.66 * 40 / 12)


def test_a_point_on_the_mean_breaks_a_shift():
    # mean 0; six above, one on the mean, six above: no 7 in a row on one side
    y = [1.0] * 6 + [0.0] + [1.0] * 6
    assert [s for s, _ in spc.special_causes(y, 0, -3, 3, -2, 2)] == [""] * 13
    # without the point on the mean all 13 are one run
    y = [1.0] * 13
    assert {s for s, _ in spc.special_causes(y, 0, -3, 3, -2, 2)} == {"shift"}


def test_a_tie_breaks_a_trend_and_the_rule_order():
    base = (0, -3, 3, -2, 2)
    rising = [-1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 1.9]  # crosses the mean: no shift
    assert [s for s, _ in spc.special_causes(rising, *base)] == ["trend"] * 7
    tied = [-1.5, -1.0, -0.5, -0.5, 0.5, 1.0, 1.5]
    assert [s for s, _ in spc.special_causes(tied, *base)] == [""] * 7
    # falling, all above the mean: trend before shift
    falling = [1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.3]
    assert set(spc.special_causes(falling, *base)) == {("trend", "falling")}
    # a rising run ending outside the limits: that point is "outside limits", the rest "trend"
    got = spc.special_causes([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 3.5], *base)
    assert [s for s, _ in got] == ["trend"] * 6 + ["outside limits"]


def test_trend_direction_at_a_peak_follows_the_next_step():
    # 1..7 rising then 6..0 falling: the peak (7) is in both runs; the reference takes the step
    # to the next point (R/ptd_calculate_point_type.R, "if a point is part of a trend either
    # side, use right side"), so it is falling.
    y = [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
    got = spc.special_causes(y, 4, -96, 104, -60, 60)
    assert [d for _, d in got] == ["rising"] * 6 + ["falling"] * 7


def test_two_of_three_needs_all_three_on_one_side():
    base = (0, -3, 3, -2, 2)
    assert [s for s, _ in spc.special_causes([2.5, 0.5, 2.5], *base)] == [
        "two of three",
        "",
        "two of three",
    ]
    assert [s for s, _ in spc.special_causes([2.5, -0.5, 2.5], *base)] == ["", "", ""]
    # an outside point is not "near": one near point in the window is not enough
    assert [s for s, _ in spc.special_causes([3.5, 2.5, 0.5], *base)] == ["outside limits", "", ""]
    assert spc.special_causes([-2.5, -2.5, -0.5], *base)[0] == ("two of three", "below")


# ---------------------------------------------------------------- points, gaps, segments
def test_fewer_than_12_points_have_no_limits():
    r = spc.xmr(months(11), ZIGZAG[:11], better="higher", target=11)
    assert r.message == "too few points for control limits"
    assert r.points["upper"].isna().all() and list(r.points.signal) == [""] * 11
    assert (r.variation, r.assurance) == ("", "")
    assert spc.describe(r, "Rate", lambda v: f"{v:.1f}%") == (
        "Rate 10.0%: too few points for control limits"
    )


def test_missing_months_are_skipped_not_zero():
    # 13 months, the 5th without data: 12 points, the moving range bridging the gap
    ms = months(13)
    values = ZIGZAG[:4] + [None] + ZIGZAG[4:]  # ..., 12, (gap), 10, ...: mR 2 still
    r = spc.xmr(ms, values, better="higher")
    assert len(r.points) == 12 and "2020-05" not in set(r.points.month)
    assert r.points["mean"].iloc[0] == pytest.approx(11)
    assert r.points["upper"].iloc[0] == pytest.approx(16.32)


def test_a_change_rebases_only_once_12_points_follow():
    # 12 months of ZIGZAG (limits 5.68–16.32), then a change; after it 20, 22, 20, ...
    after = [20.0, 22.0] * 6
    ms = months(24)
    change = ms[12]  # 2021-01
    # 11 points after the change: still pending, the old limits extend and the new level is
    # special cause (outside the upper limit 16.32)
    r = spc.xmr(ms[:23], ZIGZAG + after[:11], better="lower", changes=[change])
    assert r.pending == (change,) and r.changes == ()
    assert set(r.points.segment) == {0}
    assert r.points["upper"].iloc[-1] == pytest.approx(16.32)
    assert list(r.points.signal[12:]) == ["outside limits"] * 11
    assert r.variation == "special cause concern"
    assert spc.describe(r, "Cost", lambda v: f"£{v:.2f}") == (
        "Cost £20.00: special cause concern since Jan 2021, above the upper limit (£16.32)"
    )
    assert "since the ODP" in spc.describe(r, "Cost", since="the ODP")
    # the 12th point after it: a new segment, mean 21 and limits 15.68–26.32, no signals
    r = spc.xmr(ms, ZIGZAG + after, better="lower", changes=[change])
    assert r.changes == (change,) and r.pending == ()
    assert list(r.points.segment) == [0] * 12 + [1] * 12
    last = r.points.iloc[-1]
    assert (last["mean"], last["lower"], last["upper"]) == pytest.approx((21, 15.68, 26.32))
    assert list(r.points.signal) == [""] * 24
    assert r.points["upper"].iloc[0] == pytest.approx(16.32)


def test_a_change_before_the_first_point_is_no_boundary():
    r = spc.xmr(months(12), ZIGZAG, better="higher", changes=["2019-06", "2020-01"])
    assert r.changes == () and r.pending == () and set(r.points.segment) == {0}


@pytest.mark.parametrize(
    ("better", "target", "assurance"),
    [
        # limits 5.68–16.32 (ZIGZAG)
        ("higher", 20, "consistently fails"),
        ("higher", 5, "consistently passes"),
        ("higher", 11, "hit and miss"),
        ("higher", 16.32, "hit and miss"),  # on the limit: not beyond it
        ("lower", 20, "consistently passes"),
        ("lower", 5, "consistently fails"),
        ("neither", 20, ""),
        ("higher", None, "no target"),
    ],
)
def test_assurance(better, target, assurance):
    assert spc.xmr(months(12), ZIGZAG, better=better, target=target).assurance == assurance


def test_describe_common_cause():
    r = spc.xmr(months(12), ZIGZAG, better="higher")
    assert spc.describe(r, "Conviction rate", lambda v: f"{v:.1f}%") == (
        "Conviction rate 12.0%: within its usual range (5.7%–16.3%), no significant change"
    )


@pytest.mark.parametrize(
    ("date", "month"),
    [("2017-06-12", "2017-07"), ("2017-06-01", "2017-06"), ("2017-12-31", "2018-01")],
)
def test_event_segment_start(date, month):
    assert spc.event_segment_start(date) == month


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"months": ["2020-01"], "values": [1.0], "better": "up"}, "better is 'up'"),
        ({"months": ["March"], "values": [1.0], "better": "higher"}, "month 1 is 'March'"),
        ({"months": ["2020-01", "2020-01"], "values": [1, 2], "better": "higher"}, "twice"),
        ({"months": ["2020-01"], "values": ["x"], "better": "higher"}, "value for 2020-01"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spc.xmr(**kwargs)


# ---------------------------------------------------------------- command line: query --spc
@pytest.fixture
def cli_env(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CJSPERF_DATA", str(real_data_dir))
    monkeypatch.setenv("CJSPERF_DB", str(tmp_path / "cli.duckdb"))


def test_query_spc_on_the_published_rates(cli_env, capsys):
    import csv
    import io

    from cjsperf.__main__ import main

    args = ["query", "conviction_rate_by_month", "area=West Midlands"]
    args += ["crime_type=Drugs Offences", "start=2017-01", "end=2018-03"]
    assert main([*args, "--spc", "conviction_rate", "--better", "higher"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # The published West Midlands drugs rates, Jan 2017 – Mar 2018 (no files for Apr–Jun 2017,
    # so 12 points): 94.8 93.9 92.6 | 92.2 91.4 94.2 93.3 93.6 95.3 93.0 96.5 94.9.
    # Mean 1125.7 / 12 = 93.808333. Moving ranges 0.9 1.3 0.4 0.8 2.8 0.9 0.3 1.7 2.3 3.5 1.6:
    # mean 16.5 / 11 = 1.5, none ≥ 3.267 × 1.5 = 4.9; limits 93.808333 ± 3.99 = 89.818333 and
    # 97.798333. Near limits ± 2.66: only 96.5 is near, no 2 of 3, no run of 7 → no signals.
    assert [r["month"] for r in rows][2:4] == ["2017-03", "2017-07"]
    assert len(rows) == 12
    for r in rows:
        assert float(r["spc_mean"]) == pytest.approx(93.808333, abs=1e-6)
        assert float(r["spc_lower"]) == pytest.approx(89.818333, abs=1e-6)
        assert float(r["spc_upper"]) == pytest.approx(97.798333, abs=1e-6)
        assert (r["spc_signal"], r["spc_special_cause"]) == ("", "")


def test_query_spc_refuses_a_column_that_is_not_there(cli_env, capsys):
    from cjsperf.__main__ import main

    code = main(["query", "conviction_rate_by_month", "--spc", "rate"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--spc rate: no such column; the query returns month, convictions" in err


def test_a_point_on_the_mean_is_on_it_despite_floating_point():
    # CPS West Midlands all crime, 2014-01 to 2018-03: the mean of the published rates is 84.8
    # exactly, computed as 84.80000000000001; the months at 84.8 (Jun and Aug 2015) are on the
    # mean and break the run of months below it. Here the same thing in small: a mean of
    # 0.1 + 0.2 (0.30000000000000004 in floating point) and a point at 0.3 between two runs of 6.
    y = [0.2] * 6 + [0.3] + [0.2] * 6
    got = spc.special_causes(y, 0.1 + 0.2, -3, 3, -2, 2)
    assert [s for s, _ in got] == [""] * 13


def test_limits_shown_within_bounds_leave_the_rules_and_assurance_as_worked_out():
    # 90 and 100 in turn for 12 months: mean 95, every moving range 10, so the limits are
    # 95 ± 2.66 × 10 = 68.4 and 121.6, and the near limits 95 ± 2/3 × 26.6 = 77.27 and 112.73.
    months = [f"2017-{m:02d}" for m in range(1, 13)]
    values = [90.0, 100.0] * 6
    shown = spc.xmr(months, values, better="higher", target=101, shown_within=(0, 100))
    last = shown.points.iloc[-1]
    assert (last["lower"], last["upper"]) == (pytest.approx(68.4), 100)
    assert (last["near_lower"], last["near_upper"]) == (pytest.approx(77.2667, abs=1e-4), 100)
    assert last["mean"] == pytest.approx(95)
    # a target of 101 lies inside the limits as worked out (121.6), not above the shown 100
    assert shown.assurance == "hit and miss"
    plain = spc.xmr(months, values, better="higher", target=101)
    assert plain.points.iloc[-1]["upper"] == pytest.approx(121.6)
    assert plain.assurance == shown.assurance and plain.variation == shown.variation


def test_limits_shown_at_a_bound_stay_floats():
    # every upper limit above 100 and shown at 100: the column is still float, as the others
    months = [f"2017-{m:02d}" for m in range(1, 13)]
    shown = spc.xmr(months, [90.0, 100.0] * 6, better="higher", shown_within=(0, 100))
    assert str(shown.points["upper"].dtype) == "float64"
    assert str(shown.points["near_upper"].dtype) == "float64"
    # mean 95, moving ranges 10: the upper limit 95 + 2.66 x 10 = 121.6, shown at the bound 100
    assert shown.points["upper"].tolist() == [100.0] * 12
