"""Synthetic Victim Communication and Liaison (VCL) letters (`vcl_letters`), for `cjsperf.sample`.

Nothing here is real CPS data. One row per letter owed to a victim when CPS decides not to charge,
to stop a case or to alter a charge substantially, April 2015 - March 2018, about 4,500 letters a
year at scale 1 (``--scale N`` multiplies the rows by N), West Midlands about 55% of them, West
Mercia 20%, Staffordshire 15%, Warwickshire 10%.

The story (HMCPSI 2017, issue 8: letters late and of uneven quality; HMCPSI found 72% on time in
2018): about a quarter of letters are to domestic abuse victims and one in twenty to hate crime
victims; they, and most victims of sexual offences and homicide, are entitled to the enhanced
service and are due 1 working day after the decision, the rest 5 (`cjsperf.extracts.VCL_DUE_RULE`;
England and Wales working days from the holidays package). Decisions fall on working days, a few on
a weekend or bank holiday. Letters are sent on time about 61% of the time to September 2017
(enhanced about 52%, standard about 70%), creeping up slowly, then better after the Operational
Delivery Plan (25 September 2017) and the October 2017 training: about 76% from November 2017. Late letters are
mostly a few working days late, some weeks. A small share is never sent; letters not sent by the
extract date 2018-03-31 have an empty ``sent_date``. Managers assess about 30% of the letters sent:
Good about 48% before the training, about 55% after it; Poor falls from about 20% to 12%.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from cjsperf.extracts import AREA_FORCES, FLAGS, LETTER_QUALITY, OFFENCE_CATEGORIES, VCL_LETTERS
from cjsperf.workdays import bank_holidays

EXTRACTS = (VCL_LETTERS,)
SEED_INDEX = 2

LETTERS_PER_YEAR = 4_500
EXTRACT_DATE = np.datetime64("2018-03-31", "D")
_ORIGIN = np.datetime64("2015-01-01", "D")  # day 0 of the sample's date text table
_HOLIDAYS = np.array(bank_holidays(2015, 2019), dtype="datetime64[D]")
_ODP = np.datetime64("2017-09-25", "D")
_TRAINING_START = np.datetime64("2017-10-01", "D")
_TRAINING_FULL = np.datetime64("2017-11-01", "D")
_FIRST = np.datetime64("2015-04-01", "D")

_FORCE_SHARE = (0.15, 0.10, 0.20, 0.55)  # AREA_FORCES order
# Offence categories of the cases letters are owed on (CPS order), for letters with no flag, with
# the domestic abuse flag and with the hate crime flag.
_CAT_PLAIN = (0.01, 0.30, 0.08, 0.08, 0.04, 0.10, 0.05, 0.10, 0.02, 0.10, 0.06, 0.06)
_CAT_DA = (0.005, 0.62, 0.06, 0.01, 0.005, 0.02, 0.0, 0.14, 0.0, 0.12, 0.02, 0.0)
_CAT_HATE = (0.0, 0.35, 0.01, 0.01, 0.02, 0.02, 0.0, 0.10, 0.0, 0.47, 0.02, 0.0)
# Share of unflagged letters whose victim is entitled to the enhanced service, by category.
_ENHANCED_PLAIN = (1.0, 0.25, 0.9, 0.15, 0.3, 0.1, 0.1, 0.15, 0.05, 0.2, 0.15, 0.05)
_DA, _HATE = 0.25, 0.05  # shares of letters with each flag (a few have both)


def _fy_days(fy: str) -> tuple[np.datetime64, np.datetime64]:
    start = int(fy[:4])
    return np.datetime64(f"{start}-04-01", "D"), np.datetime64(f"{start + 1}-04-01", "D")


def _improvement(days: np.ndarray) -> np.ndarray:
    """0 before October 2017, 0.4 in October 2017, 1 from November 2017 (ODP, then training)."""
    return np.where(days >= _TRAINING_FULL, 1.0, np.where(days >= _TRAINING_START, 0.4, 0.0))


def _pick(rng: np.random.Generator, probs: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(p.size, size=n, p=p / p.sum())


def _offset(days: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The working day n working days after each day, the day itself not counted (a weekend or
    bank holiday counts from the working day before it): cjsperf.extracts.VCL_DUE_RULE."""
    return np.busday_offset(days, n, roll="backward", holidays=_HOLIDAYS)


def generate(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, object, list]]:
    next_id = 1
    width = max(6, len(str(int(LETTERS_PER_YEAR * scale * 3 * 1.1))))
    blank = len(text) - 1
    forces = np.array(AREA_FORCES, dtype=object)
    cats = np.array([f'"{c}"' if "," in c else c for c in OFFENCE_CATEGORIES], dtype=object)
    grades = np.array(LETTER_QUALITY, dtype=object)
    for fy in fys:
        start, end = _fy_days(fy)
        days = np.arange(start, end, dtype="datetime64[D]")
        working = np.is_busday(days, holidays=_HOLIDAYS)
        # decisions on working days; about one in forty on a weekend or bank holiday
        weight = np.where(working, 1.0, 0.06)
        weight *= np.where(days.astype("datetime64[M]").astype(int) % 12 + 1 == 8, 0.85, 1.0)
        lam = LETTERS_PER_YEAR * scale * weight / weight.sum()
        counts = rng.poisson(lam)
        decided = np.repeat(days, counts)
        n = decided.size

        force = _pick(rng, _FORCE_SHARE, n)
        u = rng.random(n)
        da = u < _DA
        hate = (u >= _DA) & (u < _DA + _HATE) | (u < 0.01)  # 1% both flags
        cat = np.where(da, _pick(rng, _CAT_DA, n), np.where(hate, _pick(rng, _CAT_HATE, n), 0))
        plain = ~(da | hate)
        cat[plain] = _pick(rng, _CAT_PLAIN, int(plain.sum()))
        enhanced = ~plain | (rng.random(n) < np.array(_ENHANCED_PLAIN)[cat])
        flags = np.where(
            da & hate,
            f"{FLAGS[0]};{FLAGS[1]}",
            np.where(da, FLAGS[1], np.where(hate, FLAGS[0], "")),
        ).astype(object)

        # on time: slowly better over the three years, then the ODP and training
        years = (decided - _FIRST).astype(np.int64) / 365.25
        month_no = decided.astype("datetime64[M]").astype(np.int64)
        noise = rng.normal(0.0, 0.02, size=month_no.max() - month_no.min() + 1)
        p_on = (
            np.where(enhanced, 0.50, 0.69)
            + 0.02 * years
            + 0.10 * _improvement(decided)
            + noise[month_no - month_no.min()]
        )
        on_time = rng.random(n) < np.clip(p_on, 0.05, 0.98)
        due_wd = np.where(enhanced, 1, 5)
        early = np.minimum(np.floor(rng.beta(2.0, 1.2, n) * (due_wd + 1)).astype(np.int64), due_wd)
        v = rng.random(n)
        late = np.where(v < 0.7, rng.geometric(1 / 3.0, n), 1 + rng.exponential(15.0, n))
        offset = np.where(on_time, early, due_wd + late.astype(np.int64))
        sent = np.where(offset == 0, decided, _offset(decided, offset))
        never = rng.random(n) < np.where(decided >= _ODP, 0.005, 0.015)  # never sent
        unsent = never | (sent > EXTRACT_DATE)

        # quality: about 30% of the letters sent are assessed
        assessed = ~unsent & (rng.random(n) < 0.3)
        good = 0.45 + 0.01 * years + 0.10 * _improvement(decided)
        poor = 0.20 - 0.08 * _improvement(decided)
        g = rng.random(n)
        grade = np.where(g < good, 0, np.where(g < 1.0 - poor, 1, 2))
        quality = np.where(assessed, grades[grade], "").astype(object)

        def day_text(d: np.ndarray) -> np.ndarray:
            return text[(d - _ORIGIN).astype(np.int64)]

        sent_text = text[np.where(unsent, blank, (sent - _ORIGIN).astype(np.int64))]
        cols = [
            [f"V{i:0{width}d}" for i in range(next_id, next_id + n)],
            forces[force],
            cats[cat],
            flags,
            np.where(enhanced, "Y", "N").astype(object),
            day_text(decided),
            sent_text,
            quality,
        ]
        next_id += n
        yield fy, VCL_LETTERS, cols
