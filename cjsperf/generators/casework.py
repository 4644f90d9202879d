"""Synthetic casework quality extracts: TSJ case reviews and the disclosure questions of the
Individual Quality Assessments (HMCPSI issues 5 and 6). Nothing here is real CPS data.

``tsj_reviews``
    About 30,000 Transforming Summary Justice reviews a year at scale 1 in the Area's 13
    magistrates' courts (Birmingham the busiest), due on England and Wales working days (the
    ``holidays`` package's calendar, ``subdiv="ENG"``) from 1 June 2015, when TSJ began: about 60%
    are initial reviews of anticipated guilty pleas, 20% initial reviews of anticipated not guilty
    pleas and 20% the trial-readiness reviews that follow them. On time (completed on or before the
    due date) about 87% for anticipated guilty pleas and 70-75% for not guilty before October 2017,
    5-8 points better from November 2017 (the Operational Delivery Plan of 25 September 2017 and the
    October training), a little worse in August and December, Magistrates' Court Unit Birmingham
    a few points behind Stoke. A review not completed by the extract date 2018-03-31 has an empty
    ``completed_date``. ``--scale N`` multiplies the rows by N.

``disclosure_assessments``
    About 250 Individual Quality Assessments a month at scale 1 across the six teams and four forces,
    each answering the four disclosure questions (one row per question). Some questions often do not
    apply (continuing disclosure in a case that ended at the first hearing). Of the applicable
    answers about half are fully met before October 2017, the Disclosure Record Sheet the weakest
    (about 40%), as HMCPSI found in 2017; about 8 points more from November 2017. ``--scale N``
    multiplies the assessments by N.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import holidays
import numpy as np

from cjsperf.extracts import (
    AREA_FORCES,
    DISCLOSURE_ASSESSMENTS,
    DISCLOSURE_QUESTIONS,
    IQA_ANSWERS,
    OFFENCE_CATEGORIES,
    PLEA_TYPES,
    REVIEW_TYPES,
    TEAMS,
    TSJ_REVIEWS,
)

EXTRACTS = (TSJ_REVIEWS, DISCLOSURE_ASSESSMENTS)
SEED_INDEX = 1

TSJ_START = np.datetime64("2015-06-01", "D")  # Transforming Summary Justice began in June 2015
_REVIEWS_PER_YEAR = 30_000
_ASSESSMENTS_PER_MONTH = 250

# Relative weight of each magistrates' court, by name (others 1.0).
_COURT_WEIGHT = {
    "Birmingham Magistrates' Court": 5.0,
    "Coventry Magistrates' Court": 1.8,
    "Wolverhampton Magistrates' Court": 1.6,
    "North Staffordshire Justice Centre": 1.5,
    "Worcester Justice Centre": 1.2,
    "Walsall Magistrates' Court": 1.1,
}
# Offence categories of magistrates' court cases (OFFENCE_CATEGORIES order).
_TSJ_CAT_MIX = (0.0, 0.17, 0.01, 0.03, 0.005, 0.20, 0.02, 0.07, 0.09, 0.08, 0.045, 0.27)
# Row mix: (plea, review type) and its on-time probability before the training, and the gain after.
_KINDS = ((0, 0, 0.60, 0.87, 0.05), (1, 0, 0.20, 0.75, 0.08), (1, 1, 0.20, 0.69, 0.08))
_FORCE_TEAM = {  # the Magistrates' Court Unit that reviews a force's cases
    "West Midlands": 0,
    "Warwickshire": 0,
    "Staffordshire": 1,
    "West Mercia": 1,
}
_TEAM_ON_TIME = (-0.03, 0.02, 0.0, 0.0, 0.02, 0.03)

_FORCE_SHARE = (0.15, 0.10, 0.20, 0.55)  # AREA_FORCES order
_IQA_TEAM_SHARE = (0.28, 0.17, 0.20, 0.12, 0.13, 0.10)
_IQA_TEAM_CAT_MIX = (
    (0.0, 0.20, 0.0, 0.04, 0.01, 0.20, 0.02, 0.08, 0.08, 0.08, 0.04, 0.25),
    (0.0, 0.20, 0.0, 0.04, 0.01, 0.20, 0.02, 0.08, 0.08, 0.08, 0.04, 0.25),
    (0.03, 0.25, 0.05, 0.15, 0.12, 0.05, 0.05, 0.02, 0.20, 0.03, 0.05, 0.0),
    (0.03, 0.25, 0.05, 0.15, 0.12, 0.05, 0.05, 0.02, 0.20, 0.03, 0.05, 0.0),
    (0.0, 0.05, 0.95, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    (0.10, 0.05, 0.05, 0.0, 0.05, 0.05, 0.40, 0.0, 0.25, 0.0, 0.05, 0.0),
)
# Per question (DISCLOSURE_QUESTIONS order): share not applicable, share fully met of the rest.
_NOT_APPLICABLE = (0.10, 0.04, 0.18, 0.35)
_FULLY_MET = (0.58, 0.40, 0.50, 0.52)
_IQA_TEAM_ADJ = (-0.04, -0.01, 0.02, 0.02, 0.05, 0.06)
_IQA_GAIN = 0.08


def _calendar():
    """Working days as numpy busday arguments: England and Wales bank holidays from a maintained
    calendar (never a hand-typed list)."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(2015, 2020))
    return np.array(sorted(days), dtype="datetime64[D]")


def _pick(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(w.size, size=n, p=w / w.sum())


def _pick_rows(rng: np.random.Generator, group: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """For each row draw an index from the probability row ``mix[group]``."""
    out = np.empty(group.size, dtype=np.int64)
    for g in range(mix.shape[0]):
        sel = np.flatnonzero(group == g)
        out[sel] = _pick(rng, mix[g], sel.size)
    return out


def _text(values: Sequence[str]) -> np.ndarray:
    from cjsperf.sample import _vocab

    return _vocab(values)


def _reviews(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, list]]:
    from cjsperf.sample import (
        EXTRACT_DATE,
        FINANCIAL_YEARS,
        _day_no,
        _fy_bounds,
        _month_of,
        _training_effect,
        read_court_centres,
    )

    hol = _calendar()
    courts = [(c, f) for c, t, f in read_court_centres() if t == "Magistrates' court"]
    court_w = np.array([_COURT_WEIGHT.get(c, 1.0) for c, _ in courts])
    court_force = np.array([AREA_FORCES.index(f) for _, f in courts])
    kinds = np.array([k[2] for k in _KINDS])
    width = max(7, len(str(int(_REVIEWS_PER_YEAR * scale * len(FINANCIAL_YEARS) * 1.1))))
    next_id = 1
    for fy in fys:
        start, end = _fy_bounds(fy)
        days = np.arange(max(start, TSJ_START), end, dtype="datetime64[D]")
        days = days[np.is_busday(days, holidays=hol)]
        season = np.where(np.isin(_month_of(days), (8, 12)), 0.85, 1.0)
        per_day = _REVIEWS_PER_YEAR * scale / 250 * season
        counts = rng.poisson(per_day)
        due = np.repeat(days, counts)
        n = due.size
        court = _pick(rng, court_w, n)
        force = court_force[court]
        cat = _pick(rng, _TSJ_CAT_MIX, n)
        kind = _pick(rng, kinds, n)
        plea = np.array([k[0] for k in _KINDS])[kind]
        rtype = np.array([k[1] for k in _KINDS])[kind]
        # the Magistrates' Court Unit of the force; RASSO reviews most sexual offences
        team = np.array([_FORCE_TEAM[f] for f in AREA_FORCES])[force]
        rasso = (cat == OFFENCE_CATEGORIES.index("Sexual Offences")) & (rng.random(n) < 0.7)
        team = np.where(rasso, TEAMS.index("RASSO"), team)

        month_no = due.astype("datetime64[M]").astype(np.int64)
        m0 = month_no.min()
        noise = rng.normal(0.0, 0.015, size=(month_no.max() - m0 + 1, 2))
        p_on = (
            np.array([k[3] for k in _KINDS])[kind]
            + np.array(_TEAM_ON_TIME)[team]
            - 0.03 * np.isin(_month_of(due), (8, 12))
            + np.array([k[4] for k in _KINDS])[kind] * _training_effect(due)
            + noise[month_no - m0, plea]
        )
        on_time = rng.random(n) < np.clip(p_on, 0.3, 0.98)
        # on time: the due day or up to 5 working days before; late: mostly days, some weeks
        early = np.minimum(rng.geometric(0.45, n) - 1, 5)
        v = rng.random(n)
        late = np.where(v < 0.7, rng.geometric(0.35, n), 1 + rng.exponential(15.0, n))
        done = np.where(
            on_time,
            np.busday_offset(due, -early, roll="backward", holidays=hol),
            np.busday_offset(due, late.astype(np.int64), roll="forward", holidays=hol),
        )
        blank = len(text) - 1
        done_no = np.where(done > EXTRACT_DATE, blank, _day_no(done))
        ids = [f"R{i:0{width}d}" for i in range(next_id, next_id + n)]
        next_id += n
        yield (
            fy,
            [
                ids,
                _text(AREA_FORCES)[force],
                _text([c for c, _ in courts])[court],
                _text(OFFENCE_CATEGORIES)[cat],
                _text(PLEA_TYPES)[plea],
                _text(REVIEW_TYPES)[rtype],
                text[_day_no(due)],
                text[done_no],
                _text(TEAMS)[team],
            ],
        )


def _assessments(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, list]]:
    from cjsperf.sample import _day_no, _fy_bounds, _month_of, _training_effect

    hol = _calendar()
    next_id = 1
    nq = len(DISCLOSURE_QUESTIONS)
    width = max(6, len(str(int(_ASSESSMENTS_PER_MONTH * 12 * scale * len(fys) * 1.1))))
    for fy in fys:
        start, end = _fy_bounds(fy)
        days = np.arange(start, end, dtype="datetime64[D]")
        days = days[np.is_busday(days, holidays=hol)]
        per_day = _ASSESSMENTS_PER_MONTH * 12 * scale / 250
        counts = rng.poisson(np.full(days.size, per_day))
        day = np.repeat(days, counts)
        n = day.size
        force = _pick(rng, _FORCE_SHARE, n)
        team = _pick(rng, _IQA_TEAM_SHARE, n)
        cat = _pick_rows(rng, team, np.array(_IQA_TEAM_CAT_MIX))
        # one row per (assessment, question), assessments in date order, questions in list order
        a = np.repeat(np.arange(n), nq)
        q = np.tile(np.arange(nq), n)
        d = day[a]
        applicable = rng.random(a.size) >= np.array(_NOT_APPLICABLE)[q]
        month_no = d.astype("datetime64[M]").astype(np.int64)
        m0 = month_no.min()
        noise = rng.normal(0.0, 0.02, size=month_no.max() - m0 + 1)
        p_full = (
            np.array(_FULLY_MET)[q]
            + np.array(_IQA_TEAM_ADJ)[team[a]]
            - 0.02 * np.isin(_month_of(d), (8, 12))
            + _IQA_GAIN * _training_effect(d)
            + noise[month_no - m0]
        )
        u = rng.random(a.size)
        p = np.clip(p_full, 0.05, 0.95)
        # of the answers not fully met, about 60% partially met and 40% not met
        answer = np.where(u < p, 0, np.where(u < p + 0.6 * (1 - p), 1, 2))
        answer = np.where(applicable, answer, 3)
        ids = np.array([f"IQA{i:0{width}d}" for i in range(next_id, next_id + n)], dtype=object)
        next_id += n
        yield (
            fy,
            [
                ids[a],
                text[_day_no(d)],
                _text(AREA_FORCES)[force[a]],
                _text(OFFENCE_CATEGORIES)[cat[a]],
                _text(TEAMS)[team[a]],
                _text(DISCLOSURE_QUESTIONS)[q],
                _text(IQA_ANSWERS)[answer],
            ],
        )


def generate(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, object, list]]:
    """Both extracts, one financial year at a time: TSJ reviews first, then the assessments,
    each from its own child of `rng` so that one never changes the other's draws."""
    rng_reviews, rng_iqa = rng.spawn(2)
    for fy, cols in _reviews(rng_reviews, fys, scale, text):
        yield fy, TSJ_REVIEWS, cols
    for fy, cols in _assessments(rng_iqa, fys, scale, text):
        yield fy, DISCLOSURE_ASSESSMENTS, cols
