"""Tests of the synthetic sample generator (cjsperf.sample)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cjsperf import sample
from cjsperf.extracts import (
    AGENT_SPEND,
    AREA_FORCES,
    COURT_SESSIONS,
    FLAGGED_OUTCOMES,
    OFFENCE_CATEGORIES,
    TASKS,
)

REPO_DATA = Path(__file__).resolve().parents[1] / "data"
GENERATED = (FLAGGED_OUTCOMES, AGENT_SPEND, COURT_SESSIONS, TASKS,
             *(e for m in sample.MORE for e in m.EXTRACTS))  # fmt: skip
FYS = ("2015-16", "2016-17", "2017-18")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _all_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): _sha(p) for ext in GENERATED for p in (root / ext.name).glob("*")
    }


def _rows(root: Path, name: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((root / name).glob("*.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            out.extend(csv.DictReader(f))
    return out


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample_full")
    written = sample.generate(out, scale=1, seed=2017)
    assert set(written) == {e.name for e in GENERATED}
    return out


@pytest.fixture(scope="module")
def references() -> dict[str, tuple[str, str]]:
    with (REPO_DATA / "reference" / "court_centres.csv").open(newline="", encoding="utf-8") as f:
        return {r["court_centre"]: (r["court_type"], r["force_area"]) for r in csv.DictReader(f)}


def test_same_seed_same_bytes_and_cli_and_clean(full, tmp_path):
    out = tmp_path / "again"
    stale = out / "tasks" / "tasks_1999-00.csv.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    keep = out / "tasks" / "notes.txt"
    keep.write_text("not generated")
    assert sample.main(["--out", str(out), "--seed", "2017", "--scale", "1"]) == 0
    assert not stale.exists()
    assert keep.exists()
    keep.unlink()
    assert _all_files(out) == _all_files(full)


def test_different_seed_different_bytes(tmp_path):
    a = sample.generate(tmp_path / "a", seed=1, years=("2017-18",))
    b = sample.generate(tmp_path / "b", seed=2, years=("2017-18",))
    for name in a:
        for pa, pb in zip(a[name], b[name], strict=True):
            assert pa.name == pb.name
            assert _sha(pa) != _sha(pb), name


def test_files_and_headers(full):
    for ext in GENERATED:
        names = sorted(p.name for p in (full / ext.name).iterdir())
        assert names == [f"{ext.name}_{fy}.csv.gz" for fy in FYS]
        for path in (full / ext.name).iterdir():
            raw = path.read_bytes()
            assert raw[:2] == b"\x1f\x8b"
            assert raw[3] == 0, "no file name or other optional fields in the gzip header"
            assert raw[4:8] == b"\0\0\0\0", "gzip mtime must be 0"
            text = gzip.decompress(raw).decode("utf-8")
            assert "\r" not in text
            assert text.endswith("\n")
            assert text.split("\n", 1)[0] == ",".join(ext.column_names)


def test_court_centres_match_reference(full, references):
    for r in _rows(full, "agent_spend"):
        ctype, force = references[r["court_centre"]]
        assert r["force_area"] == force
        want = "Agent session fee" if ctype == "Magistrates' court" else "External counsel fee"
        assert r["spend_type"] == want
        assert re.fullmatch(r"\d+\.\d\d", r["amount_gbp"])
        assert (
            (r["sessions"] in ("1", "2")) if want == "Agent session fee" else r["sessions"] == "0"
        )
    for r in _rows(full, "court_sessions"):
        assert references[r["court_centre"]][0] == r["court_type"]
        if r["court_type"] == "Crown Court":
            assert r["prosecutor"] == "In-house"


def test_agent_sessions_equal_agent_fee_sessions(full):
    sessions = Counter(
        (r["court_centre"], r["session_date"][:7])
        for r in _rows(full, "court_sessions")
        if r["prosecutor"] == "Agent"
    )
    paid: Counter = Counter()
    for r in _rows(full, "agent_spend"):
        if r["spend_type"] == "Agent session fee":
            paid[(r["court_centre"], r["payment_date"][:7])] += int(r["sessions"])
    assert sum(sessions.values()) > 1000
    assert sessions == paid


def _published(root: Path) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(month, force, category) -> (convictions, unsuccessful), parsed straight from the files."""
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    out = {}
    for path in (root / "case_outcomes").rglob("*.csv"):
        m = re.fullmatch(
            r"principal_offence_category_([a-z]+?)(?:_(\d{4}))?\.csv", path.name.lower()
        )
        assert m, path
        year = m.group(2) or path.parent.name
        month = f"{year}-{months.index(m.group(1)[:3]) + 1:02d}"
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        for row in rows[1:]:
            if row[0] not in AREA_FORCES:
                continue
            for cat in OFFENCE_CATEGORIES:
                conv = row[header.index(f"Number of {cat} Convictions")]
                uns = row[header.index(f"Number of {cat} Unsuccessful")]
                out[(month, row[0], cat)] = (int(conv.replace(",", "")), int(uns.replace(",", "")))
    return out


def test_flagged_within_published_totals(full):
    published = _published(REPO_DATA)
    flagged: dict[tuple[str, str, str], list[int]] = {}
    for r in _rows(full, "flagged_outcomes"):
        c, u = int(r["convictions"]), int(r["unsuccessful"])
        assert c + u > 0
        acc = flagged.setdefault((r["month"], r["force_area"], r["offence_category"]), [0, 0])
        acc[0] += c
        acc[1] += u
    checked = 0
    for key, (c, u) in flagged.items():
        if key in published:
            pc, pu = published[key]
            assert c + u <= pc + pu, key
            assert c <= pc and u <= pu, key
            checked += 1
    months = {k[0] for k in flagged}
    assert len(months) == 36  # months with no published file are generated too
    assert checked > 500
    # shares of published defendants are plausible for the Area as a whole
    total = sum(sum(v) for k, v in published.items() if k[0] in months)
    share = sum(sum(v) for k, v in flagged.items() if k in published) / total
    assert 0.11 < share < 0.17


def test_tasks_dates(full):
    rows = _rows(full, "tasks")
    assert 500_000 < len(rows) < 700_000
    ids = set()
    for r in rows:
        ids.add(r["task_id"])
        assert r["due_date"] >= r["created_date"]
        done = r["completed_date"]
        assert done == "" or r["created_date"] <= done <= "2018-03-31"
    assert len(ids) == len(rows)
    overdue = sum(r["completed_date"] == "" and r["due_date"] < "2018-03-31" for r in rows)
    assert 1000 < overdue < 6000


def _count_lines(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return sum(1 for _ in f)


def test_scale_multiplies_rows(tmp_path):
    one = sample.generate(tmp_path / "one", scale=1, years=("2016-17",))
    two = sample.generate(tmp_path / "two", scale=2, years=("2016-17",))
    for name in ("tasks", "court_sessions", "agent_spend"):
        n1, n2 = _count_lines(one[name][0]), _count_lines(two[name][0])
        assert 1.8 < n2 / n1 < 2.2, name


def test_bad_scale():
    with pytest.raises(SystemExit):
        sample.main(["--scale", "0", "--out", "/nonexistent"])
    with pytest.raises(ValueError):
        sample.generate(Path("/nonexistent"), scale=0)


def test_flagged_unsuccessful_has_one_definition_and_the_generator_obeys_it():
    """Administratively finalised cases are not in a flagged row (they have no offence category):
    the contract says so once, data/README.md quotes it, the generator's docstring names it."""
    from cjsperf.extracts import FLAGGED_UNSUCCESSFUL

    column = {c.name: c for c in FLAGGED_OUTCOMES.columns}["unsuccessful"]
    assert column.description == FLAGGED_UNSUCCESSFUL
    assert "Administratively finalised cases are not included" in FLAGGED_UNSUCCESSFUL
    readme = " ".join((REPO_DATA / "README.md").read_text(encoding="utf-8").split())
    assert FLAGGED_UNSUCCESSFUL in readme
    assert "admin finalised included" not in readme
    assert "FLAGGED_UNSUCCESSFUL" in sample.__doc__

    # The generator draws flagged unsuccessful from the category counts only: with no unsuccessful
    # defendant in any category (whatever the administratively finalised cases), none is flagged.
    real = sample.read_published_outcomes(REPO_DATA)
    no_unsuccessful = {m: a * [1, 0] for m, a in real.items()}  # convictions kept, unsuccessful 0
    (fy, cols), *_ = sample._flagged_outcomes(
        np.random.default_rng(7), ("2017-18",), 1, no_unsuccessful
    )
    assert fy == "2017-18" and len(cols[0]) > 100
    assert {int(u) for u in cols[6]} == {0}
