"""The synthetic ``trials`` extract: every trial listed in the Area's courts and how it went.

Nothing here is real HMCTS or CPS data. The story (``domain.md``; issue 9): about half of the trials
listed are effective; about a third crack (mostly a guilty plea on the day) and a sixth are
ineffective (witness or defendant absent, a party not ready, no court time). After the Operational
Delivery Plan (25 September 2017; ``data/reference/events.csv``) prosecution-attributed failures
fall: from October 2017 (40% of the change) and in full from November 2017 the prosecution offers no
evidence in fewer trials, fewer trials are lost to an absent prosecution witness or to the
prosecution not being ready, and witnesses attend more often; those trials go ahead instead.

Volume: about 60 trials a working day at scale 1 (about 1,250 a month: two thirds in the
magistrates' courts), spread over the courts of ``data/reference/court_centres.csv`` by their size,
fewer in August and over Christmas; ``--scale N`` multiplies them by N.

The published conviction rates stay true: a crack by a guilty plea (on the day, or to an alternative
charge) is a conviction, and a crack by the prosecution offering no evidence is an unsuccessful
outcome. At scale 1 the guilty-plea cracks (about 280 a month) are well under the Area's published
convictions (about 3,700-5,700 a month) and the no-evidence cracks (about 100-140 a month) well under
its published unsuccessful outcomes (about 600-900), for each force and month (tests/test_trials.py
checks it against the published files).

Reasons, outcomes and usual attributions come from ``data/reference/trial_reasons.csv`` (read
here, so the list is data); each trial is attributed to its reason's usual party.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence

import numpy as np

from cjsperf.extracts import (
    AREA_FORCES,
    COURT_TYPES,
    FLAGS,
    OFFENCE_CATEGORIES,
    TRIAL_OUTCOMES,
    TRIALS,
)

EXTRACTS = (TRIALS,)
SEED_INDEX = 4

# Trials listed per working day at scale 1 (about 42 in the magistrates' courts, 18 in the Crown
# Court), shared by each court's size; a court not named gets the smallest share.
_MAGS_PER_DAY, _CROWN_PER_DAY = 42.0, 18.0
_SIZE = {
    "Birmingham Magistrates' Court": 9, "Coventry Magistrates' Court": 5,
    "Wolverhampton Magistrates' Court": 5, "Walsall Magistrates' Court": 4,
    "Dudley Magistrates' Court": 3, "Sandwell Magistrates' Court": 3,
    "North Staffordshire Justice Centre": 5, "Cannock Magistrates' Court": 2,
    "Nuneaton Justice Centre": 3, "Leamington Spa Justice Centre": 2,
    "Kidderminster Magistrates' Court": 2, "Telford Magistrates' Court": 3,
    "Worcester Justice Centre": 3, "Birmingham Crown Court": 6, "Wolverhampton Crown Court": 2.5,
    "Coventry Crown Court": 2, "Stafford Crown Court": 2, "Stoke-on-Trent Crown Court": 2,
    "Warwick Crown Court": 1.5, "Worcester Crown Court": 1.5, "Hereford Crown Court": 0.7,
    "Shrewsbury Crown Court": 1,
}  # fmt: skip
# Offence category mix of trials (CPS order), magistrates' courts and Crown Court.
_CAT_MIX = {
    "Magistrates' court": (0, 0.33, 0.02, 0.02, 0, 0.14, 0.02, 0.07, 0.05, 0.12, 0.08, 0.15),
    "Crown Court": (0.02, 0.30, 0.16, 0.07, 0.07, 0.06, 0.06, 0.02, 0.13, 0.04, 0.06, 0.01),
}
# Chance a trial of each category is flagged domestic abuse / hate crime (CPS order).
_P_DA = (0.15, 0.40, 0.20, 0.02, 0.02, 0.02, 0.02, 0.30, 0.01, 0.15, 0.05, 0.005)
_P_HATE = (0.02, 0.03, 0.01, 0.005, 0.01, 0.005, 0.005, 0.04, 0.002, 0.15, 0.02, 0.0)

# Chance of each reason for a magistrates' trial before the ODP and in full effect after it; the
# rest are effective. Crown Court: more guilty pleas on the day, less time to spare.
_REASON_P = {  # reason: (before, after)
    "Guilty plea on the day": (0.19, 0.19),
    "Guilty plea to an alternative charge": (0.03, 0.03),
    "Prosecution offered no evidence": (0.11, 0.075),
    "Defendant bound over": (0.03, 0.03),
    "Prosecution witness absent": (0.045, 0.025),
    "Prosecution not ready": (0.025, 0.015),
    "Defence not ready": (0.025, 0.025),
    "Defence witness absent": (0.008, 0.008),
    "Defendant absent": (0.03, 0.03),
    "Defendant ill": (0.007, 0.007),
    "No court time": (0.02, 0.02),
}
_CROWN_EXTRA = {"Guilty plea on the day": 0.05, "No court time": 0.01}
_WITNESS_ABSENT = "Prosecution witness absent"


def read_trial_reasons(source) -> list[tuple[str, str, str]]:
    """(reason, outcome, usual_attribution) rows of reference/trial_reasons.csv, in file order."""
    with (source / "reference" / "trial_reasons.csv").open(newline="", encoding="utf-8") as f:
        return [(r["reason"], r["outcome"], r["usual_attribution"]) for r in csv.DictReader(f)]


def _reason_probs(reasons, court_type: str, era: float) -> np.ndarray:
    """Chance of each reason (in `reasons` order) then of an effective trial, for an ODP effect
    `era` (0 before, 1 in full)."""
    p = []
    for name, _, _ in reasons:
        before, after = _REASON_P.get(name, (0.0, 0.0))
        extra = _CROWN_EXTRA.get(name, 0.0) if court_type == COURT_TYPES[1] else 0.0
        p.append(before + (after - before) * era + extra)
    return np.array([*p, 1.0 - sum(p)])


def generate(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, object, list]]:
    from cjsperf import sample  # imported here: cjsperf.sample lists this module in MORE

    source = sample._source_dir()
    courts = sample.read_court_centres(source)
    reasons = read_trial_reasons(source)
    n_reasons = len(reasons)
    ctype = np.array([COURT_TYPES.index(c[1]) for c in courts])
    size = np.array([_SIZE.get(c[0], 1.0) for c in courts], dtype=float)
    per_day = np.zeros(len(courts))
    for t, total in enumerate((_MAGS_PER_DAY, _CROWN_PER_DAY)):
        per_day[ctype == t] = total * size[ctype == t] / size[ctype == t].sum()
    names = sample._vocab([c[0] for c in courts])
    forces = sample._vocab([c[2] for c in courts])
    types = sample._vocab(COURT_TYPES)
    cats = sample._vocab(OFFENCE_CATEGORIES)
    flag_text = np.array(
        ["", FLAGS[1], FLAGS[0], f"{FLAGS[0]};{FLAGS[1]}"], dtype=object
    )  # index: 2 * hate + domestic abuse
    reason_text = np.array([*sample._vocab([r[0] for r in reasons]), ""], dtype=object)
    outcome_of = np.array(
        [TRIAL_OUTCOMES.index(r[1]) for r in reasons] + [0]
    )  # the last: effective
    outcome_text = sample._vocab(TRIAL_OUTCOMES)
    attribution_text = np.array([*sample._vocab([r[2] for r in reasons]), ""], dtype=object)
    absent = (
        [r[0] for r in reasons].index(_WITNESS_ABSENT)
        if any(r[0] == _WITNESS_ABSENT for r in reasons)
        else -1
    )
    assert set(f for _, _, f in courts) <= set(AREA_FORCES)

    for fy in fys:
        start, end = sample._fy_bounds(fy)
        days = sample._working_days(start, end)
        lam = per_day[None, :] * sample._court_season(days)[:, None] * scale
        k = rng.poisson(lam)  # (days, courts)
        day_i, court = np.nonzero(k)
        reps = k[day_i, court]
        day = np.repeat(days[day_i], reps)
        court = np.repeat(court, reps)
        n = day.size
        t = ctype[court]
        era = sample._training_effect(day)
        cat = np.empty(n, dtype=np.int64)
        reason = np.empty(n, dtype=np.int64)
        for ti, tname in enumerate(COURT_TYPES):
            sel = t == ti
            mix = np.array(_CAT_MIX[tname])
            cat[sel] = rng.choice(len(OFFENCE_CATEGORIES), size=int(sel.sum()), p=mix / mix.sum())
            for e in np.unique(era):
                here = sel & (era == e)
                reason[here] = rng.choice(
                    n_reasons + 1, size=int(here.sum()), p=_reason_probs(reasons, tname, e)
                )
        da = rng.random(n) < np.array(_P_DA)[cat]
        hate = rng.random(n) < np.array(_P_HATE)[cat]
        outcome = outcome_of[reason]
        # Prosecution witnesses warned to attend, and those who did (more after the ODP).
        required = np.where(t == 0, 1 + rng.poisson(1.0, n), 2 + rng.poisson(2.0, n))
        p_attend = np.where(outcome == 0, 0.93 + 0.03 * era, 0.86 + 0.04 * era)
        attended = rng.binomial(required, p_attend)
        witness_absent = reason == absent
        attended[witness_absent] = rng.binomial(required[witness_absent] - 1, 0.6)
        order = np.lexsort((rng.random(n), court, day))
        day, court, cat, reason, outcome = (a[order] for a in (day, court, cat, reason, outcome))
        da, hate, required, attended = (a[order] for a in (da, hate, required, attended))
        cols = [
            sample._ids(f"TR-{fy[:4]}-", 1, n, max(7, len(str(n)))),
            forces[court],
            names[court],
            types[ctype[court]],
            cats[cat],
            flag_text[2 * hate.astype(int) + da.astype(int)],
            text[sample._day_no(day)],
            outcome_text[outcome],
            reason_text[reason],
            attribution_text[reason],
            required.astype(str).astype(object),
            attended.astype(str).astype(object),
        ]
        yield fy, TRIALS, cols
