"""A plain restatement of the XmR formulas (NHS Making Data Count; /work/shared/domain.md) for the
page tests to work out means and limits independently of cjsperf.spc: mean of the points, moving
ranges, those of 3.267 × their mean or more screened out, limits at mean ± 2.66 × mean moving range.
"""

from __future__ import annotations

from collections.abc import Sequence


def limits(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, lower, upper) of a series, in month order."""
    xs = [float(v) for v in values]
    mean = sum(xs) / len(xs)
    mr = [abs(b - a) for a, b in zip(xs, xs[1:])]
    bar = sum(mr) / len(mr)
    kept = [r for r in mr if r < 3.267 * bar]
    bar = sum(kept) / len(kept)
    return mean, mean - 2.66 * bar, mean + 2.66 * bar
