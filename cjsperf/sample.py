"""Seeded, deterministic generator of the four SYNTHETIC sample extracts.

Run it as ``python -m cjsperf sample [--scale N] [--out DIR] [--seed S]``. It writes, for each of
the financial years 2015-16, 2016-17 and 2017-18 (1 April 2015 - 31 March 2018), one gzipped CSV per
extract, e.g. ``tasks/tasks_2015-16.csv.gz`` and ``agent_spend/agent_spend_2017-18.csv.gz``. Every
``*.csv.gz`` already in those four extract folders of the output folder is removed first, so a
re-run is clean. The columns and vocabularies are those of :mod:`cjsperf.extracts`.

Nothing here is real CPS data. The numbers are made up to look plausible and to tell the story in
``domain.md``: the Operational Delivery Plan (25 September 2017), then training on task management
and value for money in October 2017, and an HMCTS listing strategy to cut agent deployment. From
October/November 2017 agent use, agent and counsel spend and magistrates' sessions fall, and tasks
are completed on time more often.

Determinism: the same ``seed`` and ``scale`` (and numpy version) give byte-identical files. Each
extract draws from its own child of ``numpy.random.SeedSequence(seed)``; the files are gzip with
``mtime=0`` and no file name in the header, UTF-8, ``\\n`` line endings, no index column, money as
integer pence printed with exactly two decimals, and rows in a fixed order.

The extracts:

``flagged_outcomes``
    Hate crime and domestic abuse flagged outcomes by month, force, court type, flag and offence
    category, built on the REAL published CPS case outcomes in ``case_outcomes/``. For every force,
    month and category the flagged defendants (both flags, both court types together) are drawn
    binomially as a share of the published defendants (convictions + unsuccessful, administrative
    finalisations excluded), so they never exceed the published total; flagged convictions never
    exceed published convictions and flagged unsuccessful never exceed published unsuccessful.
    ``unsuccessful`` is what the contract defines once, ``cjsperf.extracts.FLAGGED_UNSUCCESSFUL``:
    administratively finalised cases are not included (they have no offence category), so the
    published ``Number of Admin Finalised Unsuccessful`` is never read.
    Domestic abuse is about 11-12% of defendants (mostly Offences Against The Person, Criminal
    Damage, Public Order and Sexual Offences), hate crime about 2.5% (mostly Public Order and
    Offences Against The Person). Conviction rates: domestic abuse about 75-77% rising slightly,
    hate crime about 84%, Crown Court (about a tenth of the volume) a few points lower. Months with
    no published file (Nov 2015, Feb 2016, Mar 2016, Apr-Jun 2017) ARE generated, from the average
    of the nearest published month before and after. Rows where both counts are zero are omitted.
    Scale: the grain is fixed, so ``--scale N`` multiplies the counts instead (the published totals
    used as the base are multiplied by N). The "never more than published" guarantee therefore holds
    at scale 1 only; at scale N the bound is N times the published figure.

``court_sessions``
    One row per magistrates' or Crown Court session on English working days (weekends and bank
    holidays skipped), AM and PM. Each courtroom sits AM with high probability and PM a little
    less; Birmingham Magistrates' sits about 15 sessions a day, the small courts 2-4. Fewer
    sessions in August and over Christmas, and about 7% fewer magistrates' sessions from November
    2017 (HMCTS listing strategy). Crown Court sessions are Trial or Remand lists and always
    In-house. Agents cover about 22% of magistrates' sessions before October 2017 and about 13%
    from November 2017, more at Walsall, Telford, Sandwell and Cannock. ``--scale N`` multiplies the
    courtrooms, hence the rows, by N.

``agent_spend``
    Agent session fees are derived from the agent sessions above: at each court on each day some
    AM and PM agent sessions are paired into a day booking (``sessions`` = 2), the rest are
    half-day bookings (``sessions`` = 1), so for every court and month the agent sessions in
    ``court_sessions`` equal the sum of ``sessions`` over the agent fee payments. About £120-£200 a
    session; the offence category is filled only for half-day fees of a Motoring or Specialist
    domestic abuse list. External counsel fees are per Crown Court case (``sessions`` = 0, offence
    category filled, skewed amounts from £300 to tens of thousands for homicide). The Area spends
    about £355k a month on average before October 2017 (£275k-£430k, least in August and December)
    and about £290k after (£225k-£340k); agent fees average about £165 a session before and £157
    after.

``tasks``
    About 200,000 case management tasks a year at scale 1, created on working days, with due dates
    by task type and completion dates; tasks still open at the extract date 2018-03-31 have an empty
    ``completed_date``. On-time completion is about 77% before October 2017 and 86-87% after, with
    differences between teams (Magistrates' Court Unit Birmingham the worst) and dips in August and
    December; the overdue open backlog at 2018-03-31 is a few thousand tasks, fewer the older they
    are. ``--scale N`` multiplies the rows by N.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from cjsperf.extracts import (
    AGENT_SPEND,
    AREA_FORCES,
    COURT_SESSIONS,
    COURT_TYPES,
    FLAGGED_OUTCOMES,
    FLAGS,
    LIST_TYPES,
    OFFENCE_CATEGORIES,
    PROSECUTORS,
    SITTINGS,
    SPEND_TYPES,
    TASK_TYPES,
    TASKS,
    TEAMS,
    Extract,
)
from cjsperf.generators import casework, training, trials, victims
from cjsperf.workdays import bank_holidays

DEFAULT_SEED = 2017
FINANCIAL_YEARS: tuple[str, ...] = ("2015-16", "2016-17", "2017-18")
EXTRACT_DATE = np.datetime64("2018-03-31", "D")
# The generators of the later extracts (cjsperf/generators/), each with its own child seed.
MORE: tuple = (training, victims, trials, casework)
GENERATED: tuple[Extract, ...] = (
    FLAGGED_OUTCOMES,
    AGENT_SPEND,
    COURT_SESSIONS,
    TASKS,
    *(e for m in MORE for e in m.EXTRACTS),
)
GZIP_LEVEL = 6

# The story: ODP launch 25 Sep 2017, training in October 2017, full effect from November 2017.
_TRAINING_START = np.datetime64("2017-10-01", "D")
_TRAINING_FULL = np.datetime64("2017-11-01", "D")

# Bank holidays in England and Wales over the sample's years, from the `holidays` package
# (cjsperf.workdays), never a hand-typed list.
BANK_HOLIDAYS: np.ndarray = np.array(bank_holidays(2015, 2018), dtype="datetime64[D]")

# Dates are handled as day numbers since this origin; one lookup table turns them into text.
_ORIGIN = np.datetime64("2015-01-01", "D")
_DATE_TEXT_END = np.datetime64("2019-01-01", "D")

_CAT = {c: i for i, c in enumerate(OFFENCE_CATEGORIES)}
_MOTORING = _CAT["Motoring Offences"]
_OAP = _CAT["Offences Against The Person"]


# --------------------------------------------------------------------------------------------
# Paths and reference data


def _repo_data_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data"


def default_data_dir() -> Path:
    """The data folder: ``$CJSPERF_DATA`` if set, else the repository's ``data/``."""
    env = os.environ.get("CJSPERF_DATA")
    return Path(env) if env else _repo_data_dir()


def _source_dir() -> Path:
    """Where the inputs (reference lists, published case outcomes) are read from."""
    for d in (default_data_dir(), _repo_data_dir()):
        if (d / "reference" / "court_centres.csv").exists():
            return d
    raise FileNotFoundError("no data/reference/court_centres.csv found")


def read_court_centres(source: Path | None = None) -> list[tuple[str, str, str]]:
    """(court_centre, court_type, force_area) rows of the reference list, in file order."""
    path = (source or _source_dir()) / "reference" / "court_centres.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r["court_centre"], r["court_type"], r["force_area"]) for r in csv.DictReader(f)]
    for name, ctype, force in rows:
        if ctype not in COURT_TYPES or force not in AREA_FORCES:
            raise ValueError(f"court_centres.csv: unexpected row {name!r}, {ctype!r}, {force!r}")
    return rows


_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}


def _file_month(path: Path) -> str | None:
    """'YYYY-MM' of a published case outcomes file, from its name or (later files) its folder."""
    name = path.name.lower()
    m = re.fullmatch(r"principal_offence_category_([a-z]+)_(\d{4})\.csv", name)
    if m and m.group(1) in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}"
    m = re.fullmatch(r"principal_offence_category_([a-z]{3})\.csv", name)
    if m and path.parent.name.isdigit():
        for full, num in _MONTHS.items():
            if full.startswith(m.group(1)):
                return f"{path.parent.name}-{num:02d}"
    return None


def read_published_outcomes(source: Path | None = None) -> dict[str, np.ndarray]:
    """Published convictions and unsuccessful for the four forces.

    Returns {'YYYY-MM': int array of shape (forces, categories, 2)} with [..., 0] convictions and
    [..., 1] unsuccessful, forces in ``AREA_FORCES`` order and categories in CPS order.
    """
    root = (source or _source_dir()) / "case_outcomes"
    out: dict[str, np.ndarray] = {}
    for path in sorted(root.rglob("*.csv")):
        month = _file_month(path)
        if month is None:
            continue
        arr = np.zeros((len(AREA_FORCES), len(OFFENCE_CATEGORIES), 2), dtype=np.int64)
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            col = {h: i for i, h in enumerate(header)}
            for row in reader:
                if row and row[0] in AREA_FORCES:
                    fi = AREA_FORCES.index(row[0])
                    for ci, cat in enumerate(OFFENCE_CATEGORIES):
                        for k, what in enumerate(("Convictions", "Unsuccessful")):
                            cell = row[col[f"Number of {cat} {what}"]]
                            arr[fi, ci, k] = int(cell.replace(",", ""))
        out[month] = arr
    return out


# --------------------------------------------------------------------------------------------
# Calendar helpers


def _fy_bounds(fy: str) -> tuple[np.datetime64, np.datetime64]:
    """First day and the day after the last day of a financial year label like '2015-16'."""
    if fy not in FINANCIAL_YEARS:
        raise ValueError(f"unknown financial year {fy!r}; expected one of {FINANCIAL_YEARS}")
    start = int(fy[:4])
    return np.datetime64(f"{start}-04-01", "D"), np.datetime64(f"{start + 1}-04-01", "D")


def _working_days(start: np.datetime64, end: np.datetime64) -> np.ndarray:
    days = np.arange(start, end, dtype="datetime64[D]")
    ok = np.is_busday(days, holidays=BANK_HOLIDAYS)
    return days[ok]


def _month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month number 1-12."""
    return days.astype("datetime64[M]").astype(np.int64) % 12 + 1


def _training_effect(days: np.ndarray) -> np.ndarray:
    """0 before October 2017, 0.4 in October 2017, 1 from November 2017."""
    return np.where(days >= _TRAINING_FULL, 1.0, np.where(days >= _TRAINING_START, 0.4, 0.0))


def _court_season(days: np.ndarray) -> np.ndarray:
    """Courts sit less in August and over Christmas and New Year."""
    month = _month_of(days)
    dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    f = np.ones(len(days))
    f[month == 8] = 0.82
    f[(month == 12) & (dom >= 18)] = 0.8
    f[((month == 12) & (dom >= 27)) | ((month == 1) & (dom <= 3))] = 0.55
    return f


def _date_text() -> np.ndarray:
    """Object array: day number since _ORIGIN -> 'YYYY-MM-DD'; the extra last entry is ''."""
    days = np.arange(_ORIGIN, _DATE_TEXT_END, dtype="datetime64[D]")
    return np.array([*days.astype(str).tolist(), ""], dtype=object)


def _day_no(days: np.ndarray) -> np.ndarray:
    return (days - _ORIGIN).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Writing


def _csv_field(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _vocab(values: Sequence[str]) -> np.ndarray:
    return np.array([_csv_field(v) for v in values], dtype=object)


def _money(pence: np.ndarray) -> np.ndarray:
    return np.array([f"{p // 100}.{p % 100:02d}" for p in pence.tolist()], dtype=object)


def _ids(prefix: str, start: int, n: int, width: int) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(start, start + n)]


def _write_csv_gz(path: Path, header: Sequence[str], columns: Sequence, chunk: int = 250_000):
    """Write columns (object arrays or lists of already CSV-safe text) as one gzipped CSV."""
    n = len(columns[0]) if columns else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=GZIP_LEVEL) as gz,
    ):
        gz.write((",".join(_csv_field(h) for h in header) + "\n").encode("utf-8"))
        for lo in range(0, n, chunk):
            parts = [list(c[lo : lo + chunk]) for c in columns]
            text = "\n".join(map(",".join, zip(*parts))) + "\n"
            gz.write(text.encode("utf-8"))


def _clean(out_dir: Path) -> None:
    for ext in GENERATED:
        folder = out_dir / ext.name
        if folder.is_dir():
            for f in sorted(folder.glob("*.csv.gz")):
                f.unlink()


# --------------------------------------------------------------------------------------------
# flagged_outcomes

# Share of a category's defendants flagged domestic abuse / hate crime, and share in the Crown Court.
_DA_SHARE = (0.15, 0.30, 0.15, 0.03, 0.02, 0.01, 0.01, 0.22, 0.005, 0.12, 0.08, 0.003)
_HATE_SHARE = (0.02, 0.03, 0.01, 0.005, 0.01, 0.002, 0.003, 0.04, 0.001, 0.14, 0.02, 0.0)
_CROWN_SHARE = (1.0, 0.10, 0.55, 0.30, 0.70, 0.03, 0.15, 0.04, 0.15, 0.03, 0.05, 0.02)
_DA_RATE_ADJ = (-0.05, 0.0, -0.12, 0.02, -0.03, 0.03, 0.0, 0.02, 0.05, 0.0, 0.0, 0.03)
_HATE_RATE_ADJ = (-0.05, -0.01, -0.10, 0.0, -0.03, 0.02, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0)
_FORCE_DA = (1.05, 0.95, 1.02, 1.0)  # AREA_FORCES order
_FORCE_HATE = (0.8, 0.75, 0.8, 1.2)


def _months_between(start: np.datetime64, end: np.datetime64) -> list[str]:
    ms = np.arange(
        start.astype("datetime64[M]"), end.astype("datetime64[M]"), dtype="datetime64[M]"
    )
    return [str(m) for m in ms]


def _base_outcomes(months: list[str], published: dict[str, np.ndarray]) -> np.ndarray:
    """Published counts per month; a missing month is the average of its nearest neighbours."""
    have = sorted(published)
    out = []
    for m in months:
        if m in published:
            out.append(published[m])
            continue
        before = [h for h in have if h < m]
        after = [h for h in have if h > m]
        near = ([published[before[-1]]] if before else []) + (
            [published[after[0]]] if after else []
        )
        if not near:
            raise ValueError(f"no published case outcomes near {m}")
        out.append(sum(near) // len(near))
    return np.stack(out)


def _flagged_outcomes(
    rng: np.random.Generator, fys: Sequence[str], scale: int, published: dict[str, np.ndarray]
) -> Iterator[tuple[str, list]]:
    all_months = _months_between(
        _fy_bounds(FINANCIAL_YEARS[0])[0], _fy_bounds(FINANCIAL_YEARS[-1])[1]
    )
    for fy in fys:
        start, end = _fy_bounds(fy)
        months = _months_between(start, end)
        pool = _base_outcomes(months, published) * scale  # (M, F, C, 2)
        n_m = len(months)
        t = np.array([all_months.index(m) for m in months], dtype=float)[:, None, None] / (
            len(all_months) - 1
        )
        total = pool.sum(-1)
        p_da = np.clip(
            np.array(_DA_SHARE)[None, None, :]
            * np.array(_FORCE_DA)[None, :, None]
            * (0.95 + 0.1 * t),
            0,
            0.9,
        )
        p_hate = np.array(_HATE_SHARE)[None, None, :] * np.array(_FORCE_HATE)[None, :, None]
        n_da = rng.binomial(total, p_da)
        n_hate = rng.binomial(total - n_da, np.clip(p_hate / (1 - p_da), 0, 1))
        crown = np.broadcast_to(np.array(_CROWN_SHARE)[None, None, :], total.shape)
        da_cc = rng.binomial(n_da, crown)
        hate_cc = rng.binomial(n_hate, crown)
        # (court, flag) cells; rates before adjustment for court and trend.
        rate_da = 0.755 + 0.02 * t + np.array(_DA_RATE_ADJ)[None, None, :]
        rate_hate = 0.848 + 0.01 * t + np.array(_HATE_RATE_ADJ)[None, None, :]
        cells = [
            (0, 1, n_da - da_cc, rate_da),
            (1, 1, da_cc, rate_da - 0.03),
            (0, 0, n_hate - hate_cc, rate_hate),
            (1, 0, hate_cc, rate_hate - 0.04),
        ]
        conv_left = pool[..., 0].copy()
        uns_left = pool[..., 1].copy()
        shape = (n_m, len(AREA_FORCES), len(COURT_TYPES), len(FLAGS), len(OFFENCE_CATEGORIES))
        conv = np.zeros(shape, dtype=np.int64)
        uns = np.zeros(shape, dtype=np.int64)
        for court, flag, n, rate in cells:
            c = rng.binomial(n, np.clip(rate, 0.05, 0.99))
            # Never more flagged convictions (unsuccessful) than published ones.
            c = np.clip(c, np.maximum(n - uns_left, 0), conv_left)
            conv[:, :, court, flag, :] = c
            uns[:, :, court, flag, :] = n - c
            conv_left -= c
            uns_left -= n - c
        keep = (conv + uns) > 0
        idx = np.nonzero(keep)
        m_txt = np.array(months, dtype=object)[idx[0]]
        cols = [
            m_txt,
            _vocab(AREA_FORCES)[idx[1]],
            _vocab(COURT_TYPES)[idx[2]],
            _vocab(FLAGS)[idx[3]],
            _vocab(OFFENCE_CATEGORIES)[idx[4]],
            conv[keep].astype(str).astype(object),
            uns[keep].astype(str).astype(object),
        ]
        yield fy, cols


# --------------------------------------------------------------------------------------------
# court_sessions and agent_spend

# Courtrooms sitting per day at scale 1, and each court's agent reliance (magistrates' only).
_ROOMS = {
    "Birmingham Magistrates' Court": 9,
    "Coventry Magistrates' Court": 5,
    "Wolverhampton Magistrates' Court": 5,
    "Walsall Magistrates' Court": 4,
    "Dudley Magistrates' Court": 3,
    "Sandwell Magistrates' Court": 3,
    "North Staffordshire Justice Centre": 5,
    "Cannock Magistrates' Court": 2,
    "Nuneaton Justice Centre": 3,
    "Leamington Spa Justice Centre": 2,
    "Kidderminster Magistrates' Court": 2,
    "Telford Magistrates' Court": 3,
    "Worcester Justice Centre": 3,
    "Birmingham Crown Court": 5,
    "Wolverhampton Crown Court": 3,
    "Coventry Crown Court": 2,
    "Stafford Crown Court": 2,
    "Stoke-on-Trent Crown Court": 3,
    "Warwick Crown Court": 2,
    "Worcester Crown Court": 2,
    "Hereford Crown Court": 1,
    "Shrewsbury Crown Court": 1,
}
_AGENT_BASE = {
    "Birmingham Magistrates' Court": 0.19,
    "Coventry Magistrates' Court": 0.17,
    "Wolverhampton Magistrates' Court": 0.22,
    "Walsall Magistrates' Court": 0.36,
    "Dudley Magistrates' Court": 0.24,
    "Sandwell Magistrates' Court": 0.28,
    "North Staffordshire Justice Centre": 0.17,
    "Cannock Magistrates' Court": 0.29,
    "Nuneaton Justice Centre": 0.21,
    "Leamington Spa Justice Centre": 0.19,
    "Kidderminster Magistrates' Court": 0.25,
    "Telford Magistrates' Court": 0.34,
    "Worcester Justice Centre": 0.20,
}
_DEFAULT_ROOMS = {"Magistrates' court": 2, "Crown Court": 1}
_DEFAULT_AGENT = 0.22
# LIST_TYPES order: GAP, NGAP, Remand, Trial, Youth, Motoring, Specialist DA.
_MAGS_LIST_MIX = (0.25, 0.15, 0.12, 0.28, 0.06, 0.09, 0.05)
_AGENT_LIST_MULT = (1.3, 1.0, 0.6, 0.85, 0.6, 1.7, 0.5)
_NO_SDA_COURT = {"Cannock Magistrates' Court", "Leamington Spa Justice Centre"}
# Crown Court counsel fees: share of cases per centre, category mix and fee multiplier.
_COUNSEL_PER_MONTH = 205.0
_COUNSEL_CENTRE_WEIGHT = {
    "Birmingham Crown Court": 0.32,
    "Wolverhampton Crown Court": 0.14,
    "Coventry Crown Court": 0.09,
    "Stafford Crown Court": 0.08,
    "Stoke-on-Trent Crown Court": 0.12,
    "Warwick Crown Court": 0.07,
    "Worcester Crown Court": 0.09,
    "Hereford Crown Court": 0.04,
    "Shrewsbury Crown Court": 0.05,
}
_COUNSEL_CAT_MIX = (0.02, 0.25, 0.15, 0.10, 0.08, 0.06, 0.06, 0.02, 0.15, 0.03, 0.07, 0.01)
_COUNSEL_CAT_MULT = (6.0, 1.0, 1.8, 1.0, 1.3, 0.9, 1.8, 0.8, 1.2, 0.8, 1.0, 0.8)


def _sessions(
    rng: np.random.Generator, days: np.ndarray, courts: list[tuple[str, str, str]], scale: int
) -> dict[str, np.ndarray]:
    """All sessions over ``days`` (working days), ordered by date, court, sitting."""
    n_d, n_c = len(days), len(courts)
    is_mags = np.array([c[1] == COURT_TYPES[0] for c in courts])
    rooms = np.array([_ROOMS.get(c[0], _DEFAULT_ROOMS[c[1]]) for c in courts]) * scale
    season = _court_season(days)[:, None]
    listing = 1 - 0.07 * _training_effect(days)[:, None] * is_mags[None, :]
    p_am = np.where(is_mags, 0.93, 0.95)[None, :] * season * listing
    p_pm = np.where(is_mags, 0.78, 0.88)[None, :] * season * listing
    am = rng.binomial(np.broadcast_to(rooms, (n_d, n_c)), np.clip(p_am, 0, 1))
    pm = rng.binomial(np.broadcast_to(rooms, (n_d, n_c)), np.clip(p_pm, 0, 1))
    counts = np.stack([am, pm], axis=-1).reshape(-1)  # (day, court, sitting) order
    cell = np.repeat(np.arange(counts.size), counts)
    day_i = cell // (n_c * 2)
    court_i = (cell // 2) % n_c
    sitting = cell % 2
    n = cell.size

    # List types: per-court mix for magistrates'; Trial or Remand in the Crown Court.
    mix = np.zeros((n_c, len(LIST_TYPES)))
    for ci, (name, _ctype, _f) in enumerate(courts):
        if is_mags[ci]:
            w = np.array(_MAGS_LIST_MIX)
            if name in _NO_SDA_COURT:
                w[LIST_TYPES.index("Specialist domestic abuse")] = 0
        else:
            w = np.zeros(len(LIST_TYPES))
            w[LIST_TYPES.index("Trial")] = 0.85
            w[LIST_TYPES.index("Remand")] = 0.15
        mix[ci] = w / w.sum()
    cum = np.cumsum(mix, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(n)
    list_i = (u[:, None] >= cum[court_i]).sum(axis=1)
    list_i = np.minimum(list_i, len(LIST_TYPES) - 1)

    # Agent or in-house: court reliance x list type x the post-training fall x court-month noise.
    base = np.array(
        [_AGENT_BASE.get(c[0], _DEFAULT_AGENT) if m else 0.0 for c, m in zip(courts, is_mags)]
    )
    mult = np.array(_AGENT_LIST_MULT) / np.dot(_MAGS_LIST_MIX, _AGENT_LIST_MULT)
    month_no = days.astype("datetime64[M]").astype(np.int64)
    m0 = month_no.min()
    noise = rng.lognormal(0.0, 0.12, size=(month_no.max() - m0 + 1, n_c))
    era = 1 - 0.42 * _training_effect(days)
    p_agent = base[court_i] * mult[list_i] * era[day_i] * noise[month_no[day_i] - m0, court_i]
    agent = rng.random(n) < np.clip(p_agent, 0, 0.9)
    return {
        "day": days[day_i],
        "day_i": day_i,
        "court": court_i,
        "sitting": sitting,
        "list": list_i,
        "agent": agent,
    }


def _agent_payments(rng: np.random.Generator, s: dict[str, np.ndarray], n_c: int) -> dict:
    """Agent fee payments derived from the agent sessions: day bookings (2) and half days (1)."""
    a = np.flatnonzero(s["agent"])
    cd = s["day_i"][a] * n_c + s["court"][a]  # court-day key; sorted because sessions are sorted
    sit = s["sitting"][a]
    key = cd * 2 + sit
    # rank of each agent session within its (court-day, sitting) group
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    group_len = np.diff(np.r_[starts, key.size])
    rank = np.arange(key.size) - np.repeat(starts, group_len)
    # agent AM and PM counts per court-day, and how many are booked as full days
    n_cd = int(cd.max()) + 1 if cd.size else 0
    am_n = np.bincount(cd[sit == 0], minlength=n_cd)
    pm_n = np.bincount(cd[sit == 1], minlength=n_cd)
    pairs = rng.binomial(np.minimum(am_n, pm_n), 0.65)
    paired = rank < pairs[cd]
    keep = ~(paired & (sit == 1))  # the PM half of a day booking is paid with its AM half
    rows = a[keep]
    sessions = np.where(paired[keep], 2, 1)
    day = s["day"][rows]
    era = _training_effect(day)
    # pence per session: half days about £170, day bookings about £150 a session; a bit less later
    mean = np.where(sessions == 2, 15000, 17000) - 800 * era
    rate = np.clip(np.round(rng.normal(mean, 900) / 50) * 50, 12000, 20000).astype(np.int64)
    cat = np.full(rows.size, -1)
    single = sessions == 1
    lt = s["list"][rows]
    cat[single & (lt == LIST_TYPES.index("Motoring"))] = _MOTORING
    cat[single & (lt == LIST_TYPES.index("Specialist domestic abuse"))] = _OAP
    return {
        "day": day,
        "court": s["court"][rows],
        "type": np.zeros(rows.size, dtype=np.int64),
        "cat": cat,
        "sessions": sessions,
        "pence": rate * sessions,
        "order": s["sitting"][rows],
    }


def _counsel_payments(
    rng: np.random.Generator, days: np.ndarray, courts: list[tuple[str, str, str]], scale: int
) -> dict:
    crown = [i for i, c in enumerate(courts) if c[1] == COURT_TYPES[1]]
    w = np.array([_COUNSEL_CENTRE_WEIGHT.get(courts[i][0], 0.05) for i in crown])
    w = w / w.sum()
    months = np.unique(days.astype("datetime64[M]"))
    out_day, out_court = [], []
    for m in months:
        mdays = days[days.astype("datetime64[M]") == m]
        first = np.array([mdays[0]])
        season = {8: 0.85, 12: 0.85}.get(int(_month_of(first)[0]), 1.0)
        era = 1 - 0.15 * _training_effect(first)[0]
        k = rng.poisson(_COUNSEL_PER_MONTH * season * era * scale * w)
        ci = np.repeat(np.array(crown), k)
        out_court.append(ci)
        out_day.append(mdays[rng.integers(0, len(mdays), ci.size)])
    day = np.concatenate(out_day) if out_day else np.array([], dtype="datetime64[D]")
    court = np.concatenate(out_court) if out_court else np.array([], dtype=np.int64)
    n = day.size
    cat = rng.choice(
        len(OFFENCE_CATEGORIES), size=n, p=np.array(_COUNSEL_CAT_MIX) / sum(_COUNSEL_CAT_MIX)
    )
    amount = rng.lognormal(np.log(820.0), 0.75, n) * np.array(_COUNSEL_CAT_MULT)[cat]
    pence = np.maximum(np.round(amount * 100), 30000).astype(np.int64)
    return {
        "day": day,
        "court": court,
        "type": np.ones(n, dtype=np.int64),
        "cat": cat,
        "sessions": np.zeros(n, dtype=np.int64),
        "pence": pence,
        "order": np.full(n, 2),
    }


def _sessions_and_spend(
    rng: np.random.Generator,
    fys: Sequence[str],
    scale: int,
    courts: list[tuple[str, str, str]],
    text: np.ndarray,
) -> Iterator[tuple[str, list, list]]:
    names = _vocab([c[0] for c in courts])
    ctypes = _vocab([c[1] for c in courts])
    forces = _vocab([c[2] for c in courts])
    cats = np.array([*_vocab(OFFENCE_CATEGORIES), ""], dtype=object)  # -1 -> ''
    for fy in fys:
        start, end = _fy_bounds(fy)
        days = _working_days(start, end)
        s = _sessions(rng, days, courts, scale)
        n = s["day"].size
        sess_cols = [
            _ids(f"CS-{fy[:4]}-", 1, n, max(7, len(str(n)))),
            text[_day_no(s["day"])],
            names[s["court"]],
            ctypes[s["court"]],
            _vocab(SITTINGS)[s["sitting"]],
            _vocab(LIST_TYPES)[s["list"]],
            _vocab(PROSECUTORS)[s["agent"].astype(np.int64)],
        ]
        ag = _agent_payments(rng, s, len(courts))
        co = _counsel_payments(rng, days, courts, scale)
        p = {k: np.concatenate([ag[k], co[k]]) for k in ag}
        order = np.lexsort((p["order"], p["court"], p["type"], p["day"]))
        p = {k: v[order] for k, v in p.items()}
        m = p["day"].size
        spend_cols = [
            _ids(f"AS-{fy[:4]}-", 1, m, max(7, len(str(m)))),
            text[_day_no(p["day"])],
            names[p["court"]],
            forces[p["court"]],
            _vocab(SPEND_TYPES)[p["type"]],
            cats[p["cat"]],
            p["sessions"].astype(str).astype(object),
            _money(p["pence"]),
        ]
        yield fy, sess_cols, spend_cols


# --------------------------------------------------------------------------------------------
# tasks

_TASKS_PER_YEAR = 200_000
# TEAMS order: MCU Birmingham, MCU Stoke, CCU Birmingham, CCU Stoke, RASSO, Complex Casework.
_TEAM_SHARE = (0.30, 0.18, 0.22, 0.12, 0.10, 0.08)
_TEAM_ON_TIME = (-0.07, 0.01, -0.01, 0.03, -0.02, 0.04)
# TASK_TYPES order: Case review, Correspondence, Court result, Victim letter, Disclosure.
_TEAM_TASK_MIX = (
    (0.30, 0.20, 0.30, 0.12, 0.08),
    (0.30, 0.20, 0.30, 0.12, 0.08),
    (0.30, 0.22, 0.18, 0.12, 0.18),
    (0.30, 0.22, 0.18, 0.12, 0.18),
    (0.32, 0.22, 0.10, 0.14, 0.22),
    (0.35, 0.25, 0.08, 0.07, 0.25),
)
_TASK_TYPE_ON_TIME = (0.0, 0.01, 0.04, -0.06, -0.02)
# Offence category mix per team (CPS order).
_TEAM_CAT_MIX = (
    (0.002, 0.28, 0.01, 0.02, 0.005, 0.20, 0.02, 0.06, 0.08, 0.11, 0.03, 0.183),
    (0.002, 0.28, 0.01, 0.02, 0.005, 0.20, 0.02, 0.06, 0.08, 0.11, 0.03, 0.183),
    (0.02, 0.30, 0.05, 0.12, 0.08, 0.07, 0.05, 0.02, 0.20, 0.03, 0.05, 0.01),
    (0.02, 0.30, 0.05, 0.12, 0.08, 0.07, 0.05, 0.02, 0.20, 0.03, 0.05, 0.01),
    (0.0, 0.05, 0.90, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.0),
    (0.10, 0.05, 0.05, 0.0, 0.05, 0.05, 0.40, 0.0, 0.25, 0.0, 0.05, 0.0),
)


def _pick_rows(rng: np.random.Generator, group: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """For each row draw an index from the probability row ``mix[group]``."""
    cum = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    u = rng.random(group.size)
    out = np.empty(group.size, dtype=np.int64)
    for g in range(mix.shape[0]):
        sel = group == g
        out[sel] = np.searchsorted(cum[g], u[sel], side="right")
    return np.minimum(out, mix.shape[1] - 1)


def _tasks(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, list]]:
    next_id = 1
    width = max(7, len(str(int(_TASKS_PER_YEAR * scale * len(FINANCIAL_YEARS) * 1.1))))
    hol = BANK_HOLIDAYS
    first_day = _fy_bounds(FINANCIAL_YEARS[0])[0]
    span = float((EXTRACT_DATE - first_day).astype(np.int64))

    def weight(days: np.ndarray) -> np.ndarray:
        season = np.where(np.isin(_month_of(days), (8, 12)), 0.85, 1.0)
        return season * (1.0 - 0.08 * (days - first_day).astype(np.int64) / span)  # caseloads fall

    # _TASKS_PER_YEAR on average over the whole period, whichever years are written
    all_days = _working_days(first_day, _fy_bounds(FINANCIAL_YEARS[-1])[1])
    per_weight = _TASKS_PER_YEAR * len(FINANCIAL_YEARS) * scale / weight(all_days).sum()
    for fy in fys:
        start, end = _fy_bounds(fy)
        days = _working_days(start, end)
        per_day = per_weight * weight(days)
        lam = per_day[:, None] * np.array(_TEAM_SHARE)[None, :]
        counts = rng.poisson(lam).reshape(-1)
        cell = np.repeat(np.arange(counts.size), counts)
        day_i = cell // len(TEAMS)
        team = cell % len(TEAMS)
        n = cell.size
        created = days[day_i]
        ttype = _pick_rows(rng, team, np.array(_TEAM_TASK_MIX))
        cat = _pick_rows(rng, team, np.array(_TEAM_CAT_MIX))

        # due: working days by task type (victim letters 1 working day if enhanced, else 5)
        u = rng.random(n)
        due_wd = np.select(
            [ttype == 0, ttype == 1, ttype == 2, ttype == 3],
            [
                np.where(u < 0.5, 5, np.where(u < 0.85, 10, 20)),
                np.full(n, 7),
                np.where(u < 0.25, 1, 2),
                np.where(u < 0.3, 1, 5),
            ],
            default=np.where(u < 0.6, 10, 20),
        )
        due = np.busday_offset(created, due_wd, holidays=hol)

        # on time or late, by team, task type, season, month noise and the training
        month_no = created.astype("datetime64[M]").astype(np.int64)
        m0 = month_no.min()
        noise = rng.normal(0.0, 0.015, size=(month_no.max() - m0 + 1, len(TEAMS)))
        p_on = (
            0.795
            + np.array(_TEAM_ON_TIME)[team]
            + np.array(_TASK_TYPE_ON_TIME)[ttype]
            - 0.03 * np.isin(_month_of(created), (8, 12))
            + 0.08 * _training_effect(created)
            + noise[month_no - m0, team]
        )
        on_time = rng.random(n) < np.clip(p_on, 0.3, 0.98)
        # completed on a working day: on time somewhere up to the due date, skewed late ...
        early_wd = np.floor(rng.beta(2.0, 1.3, n) * (due_wd + 1)).astype(np.int64)
        early_wd = np.minimum(early_wd, due_wd)
        # ... or late by mostly a few days, some weeks, and a long tail of months
        v = rng.random(n)
        late_wd = np.where(
            v < 0.6,
            rng.geometric(1 / 4.0, n),
            np.where(v < 0.9, 1 + rng.exponential(21.0, n), 1 + rng.exponential(140.0, n)),
        ).astype(np.int64)
        done = np.where(
            on_time,
            np.busday_offset(created, early_wd, holidays=hol),
            np.busday_offset(due, late_wd, holidays=hol),
        )
        open_ = done > EXTRACT_DATE

        blank = len(text) - 1
        done_no = np.where(open_, blank, _day_no(done))
        cols = [
            _ids("T", next_id, n, width),
            _vocab(TEAMS)[team],
            _vocab(TASK_TYPES)[ttype],
            _vocab(OFFENCE_CATEGORIES)[cat],
            text[_day_no(created)],
            text[_day_no(due)],
            text[done_no],
        ]
        next_id += n
        yield fy, cols


# --------------------------------------------------------------------------------------------
# Entry points


def generate(
    out_dir: Path,
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    *,
    years: Sequence[str] | None = None,
) -> dict[str, list[Path]]:
    """Write the four synthetic extracts under ``out_dir``; return the files per extract name.

    ``years`` restricts the output to some of ``FINANCIAL_YEARS`` (used by the tests to stay fast);
    the draws then differ from a full run, but are still fixed by ``seed`` and ``scale``.
    """
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be an integer >= 1, got {scale!r}")
    scale = int(scale)
    fys = tuple(FINANCIAL_YEARS if years is None else years)
    for fy in fys:
        _fy_bounds(fy)
    out_dir = Path(out_dir)
    source = _source_dir()
    courts = read_court_centres(source)
    published = read_published_outcomes(source)
    text = _date_text()
    children = np.random.SeedSequence(seed).spawn(3 + max((m.SEED_INDEX for m in MORE), default=0))
    ss_flag, ss_court, ss_tasks = children[:3]

    written: dict[str, list[Path]] = {ext.name: [] for ext in GENERATED}

    def write(ext: Extract, fy: str, columns: list) -> None:
        path = out_dir / ext.name / f"{ext.name}_{fy}.csv.gz"
        _write_csv_gz(path, ext.column_names, columns)
        written[ext.name].append(path)

    # Each year is written as soon as it is made, to keep memory down at large scales.
    _clean(out_dir)
    for fy, cols in _flagged_outcomes(np.random.default_rng(ss_flag), fys, scale, published):
        write(FLAGGED_OUTCOMES, fy, cols)
    rng = np.random.default_rng(ss_court)
    for fy, sess_cols, spend_cols in _sessions_and_spend(rng, fys, scale, courts, text):
        write(COURT_SESSIONS, fy, sess_cols)
        write(AGENT_SPEND, fy, spend_cols)
    for fy, cols in _tasks(np.random.default_rng(ss_tasks), fys, scale, text):
        write(TASKS, fy, cols)
    for module in MORE:
        rng = np.random.default_rng(children[3 + module.SEED_INDEX - 1])
        for fy, ext, cols in module.generate(rng, fys, scale, text):
            write(ext, fy, cols)
    return {ext.name: written[ext.name] for ext in GENERATED}


def _positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be an integer >= 1")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cjsperf sample",
        description="Write the SYNTHETIC sample extracts (flagged_outcomes, agent_spend, "
        "court_sessions, tasks), one gzipped CSV per financial year 2015-16 to 2017-18.",
    )
    parser.add_argument("--scale", type=_positive_int, default=1, help="volume multiplier (1)")
    parser.add_argument(
        "--out", type=Path, default=None, help="data folder ($CJSPERF_DATA or the repo's data/)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed ({DEFAULT_SEED})")
    args = parser.parse_args(argv)
    out = args.out if args.out is not None else default_data_dir()
    t0 = time.perf_counter()
    written = generate(out, scale=args.scale, seed=args.seed)
    secs = time.perf_counter() - t0
    for name, paths in written.items():
        size = sum(p.stat().st_size for p in paths)
        print(f"{name}: {len(paths)} files, {size / 1e6:.1f} MB in {out / name}")
    print(f"synthetic sample written (scale {args.scale}, seed {args.seed}) in {secs:.1f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
