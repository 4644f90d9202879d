"""The warehouse: CSV extracts in `data/` → DuckDB raw tables → staged, typed tables, and queries.

Data flows one way (see README "Architecture"):

1. `sync()` lists the files of every extract and compares them (size, modification time) with what
   the database already holds. Only extracts whose files were added, changed or removed are read
   again; the rest is reused from the persisted DuckDB file.
2. Each file is first checked as a file (empty, a spreadsheet or other binary saved as .csv, its
   header against the contract, its encoding), then read by DuckDB, all text, into `raw_<extract>`
   with its file name and physical line number.
3. `queries/staging/<extract>.sql` renames, casts and validates in SQL. Its result carries a
   `problems` list per row; rows with an error go to `load_problems` (file, line, column, value found,
   what was expected) and not into `stg_<extract>`; warnings are recorded and the row still loads.
   Where staging changes no value of a clean line (tasks, training, TSJ reviews, disclosure),
   `stg_<extract>` is a view over the tables its clean files were read into, kept as read, and
   the table of its other staged rows (`Warehouse._keep_as_read`).
4. `run_query(name, **params)` runs `queries/<name>.sql` with DuckDB parameters.
"""

from __future__ import annotations

import contextlib
import csv
import fnmatch
import gzip
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from cjsperf.extracts import (
    CASE_OUTCOMES,
    EXTRACTS,
    FIXED_VOCABULARIES,
    FLAGS,
    OFFENCE_CATEGORIES,
    REFERENCE_FILES,
    VCL_LETTERS,
    Extract,
)
from cjsperf.queries import (
    DERIVED_DIR,
    QUERIES_DIR,
    SHARED_DIR,
    QueryError,
    derived_extracts,
    derived_reads,
    load_query,
    macro_bodies,
    sql_code,
    sql_extracts,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
STAGING_DIR = QUERIES_DIR / "staging"
PAGES_DIR = REPO_ROOT / "pages"
# The lists extracts are checked against: a change to one re-stages every extract.
LIST_REFERENCES = ("offence_categories", "force_areas", "court_centres", "trial_reasons")
# What a row was missing when its value is in a reference list, on a line that list refused (the
# list's file, that line): the row's problem points to that line, whose own problem says why.
REFUSED_REFERENCE_LINE = (
    "its line in data/{} (line {}) to load: that line was refused (its problem is listed under "
    "that file); fix it and this row loads"
)
# A file's rows dated before the period its name gives (`Warehouse._dated_before_period`).
DATED_BEFORE_PERIOD = (
    "rows dated within the period the file's name gives; they are loaded, but check that the "
    "file holds the period its name says"
)
SCHEMA_VERSION = "8"  # bump when tables change shape or how they are filled: rebuilds saved DBs
OVERFLOW_COLUMNS = 4  # spare columns that catch rows with more fields than the header
# A sync's files read, extracts staged and derived tables made side by side (`_sync_items`): a
# gzip file is read on one thread, and an extract is staged while other files are still read.
CORES = max(1, os.cpu_count() or 1)
READERS = max(1, min(4, CORES))
# A page runs the queries it starts ahead this many at a time (`ui.prefetch`).
QUERY_WORKERS = 2


def duckdb_threads(side_by_side: int) -> int:
    """DuckDB's threads while `side_by_side` threads of ours run statements at once: each
    statement is run by its own thread too, so that the two make the machine's cores."""
    return max(1, CORES - side_by_side + 1)


STAGE_ROWS = 2_500_000  # typed files staged by one query: up to this many lines together
# Typed files checked, to be kept as read, by one query that writes nothing (`_keep_as_read`), its
# checked lines held once: up to this many lines together. 6 million tasks at scale 10 took 2.0 s
# and 160 MB more peak memory that way, 5.1 s with the checked lines not held (worked out twice).
KEEP_CHECK_ROWS = 8_000_000
# A typed file's lines are fingerprinted in blocks of this many (line // BLOCK_LINES): when the file
# changes, only the blocks whose fingerprint changed are staged again (see `_changed_blocks`).
BLOCK_LINES = 1024
# DuckDB's memory limit while a sync reads and stages (a database file only): beyond it, the typed
# files waiting in _scratch and the staging queries' working memory spill to DuckDB's temporary
# folder next to the file (<file>.tmp). With _scratch compressed, a cold ingest at scale 10 peaks
# at 1.2-1.4 GB of RSS (2.1-2.2 GB before), below this bound, which holds larger folders.
INGEST_MEMORY_MB = 1500
PAST_MARGIN_DAYS = 31  # a created/completed/paid/session date at most this long after its period
DUE_MARGIN_DAYS = 366  # a due date at most this long after its file's period
NULL_MARK = "\x01"  # what DuckDB reads as NULL: never in a file, so only padded fields are NULL
# Contract types a file is read into directly when it parses cleanly (see `_read_typed`); every
# other column is read as text, as in the text layer.
TYPED_COLUMNS = {"date": "DATE"}

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}


def default_data_dir() -> Path:
    """The folder named by CJSPERF_DATA, else the repository's data/."""
    env = os.environ.get("CJSPERF_DATA")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "data"


def default_db_path(data_dir: Path) -> Path:
    """The database file named by CJSPERF_DB, else `.cjsperf.duckdb` in the data folder."""
    env = os.environ.get("CJSPERF_DB")
    return Path(env) if env else data_dir / ".cjsperf.duckdb"


class WarehouseUnavailable(Exception):
    """A read-only warehouse's database file is missing or cannot be opened."""


@dataclass(eq=False)
class _Build:
    """One open build of the database file: its connection and the queries running on it."""

    con: duckdb.DuckDBPyConnection
    key: tuple | None  # the file's (device, inode, mtime, size) when opened
    build: str  # the build id `build_database` stored in meta
    built_at: str
    linked: bool = False  # opened through a hard link of its own (see Warehouse.refresh)
    users: int = 0  # queries in flight
    retired: bool = False  # a newer build is served: close when the last query ends


_LINKS = 0  # hard links made to open builds, for unique names
_LINK_LOCK = threading.Lock()


@dataclass
class FileProblem:
    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"


@dataclass
class SyncReport:
    changed_extracts: list[str]
    seconds: float
    # Where the seconds went, in order: "read" (the files and reference lists read and checked),
    # "stage" (the extracts staged), "derive" (the working-day calendar, the shared macros and
    # the derived tables). Empty for a replica, which never ingests.
    phases: dict[str, float] = field(default_factory=dict)


def _raw_name(extract: Extract, index: int) -> str:
    name = extract.columns[index].name
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else f"c{index}"


def is_gzip_name(path: Path) -> bool:
    """Whether the file's name says gzip: `.gz` in any case (`tasks_2018-19.CSV.GZ` too)."""
    return path.name.lower().endswith(".gz")


class GzipBroken(OSError):
    """A .gz file whose stream does not inflate whole (cut short, or damaged)."""

    def __init__(self, ends_early: bool):
        super().__init__("ends early" if ends_early else "damaged")
        self.ends_early = ends_early


# What reading a file can raise: each refuses that file only, with a problem, never the sync
# (zlib.error: gzip data that do not inflate, which Python's gzip module does not wrap).
READ_ERRORS = (duckdb.Error, OSError, EOFError, zlib.error, csv.Error)

# A .gz file that is not whole gzip, in plain words: (what was found, what was expected).
GZIP_TROUBLE = {
    "plain": (
        "not a gzip file: its bytes are plain text",
        "a gzip file, as its name ends .gz: rename it .csv or compress it",
    ),
    "other": (
        "not a gzip file: its bytes are neither gzip nor text",
        "a gzip file, as its name ends .gz",
    ),
    "short": (
        "the gzip file ends early (cut short when copied?)",
        "a whole gzip file: copy it again from its source",
    ),
    "damaged": (
        "a damaged gzip file: its data do not inflate",
        "a whole gzip file: copy it again from its source",
    ),
}


def _gzip_trouble(path: Path, exc: BaseException) -> str | None:
    """Which GZIP_TROUBLE a read of `path` that raised `exc` met, or None when it was not that."""
    if not is_gzip_name(path):
        return None
    try:
        with open(path, "rb") as fh:
            start = fh.read(4096)
    except OSError:
        return None
    if not start.startswith(b"\x1f\x8b"):
        return "plain" if start and b"\x00" not in start else "other"
    text = str(exc)
    if isinstance(exc, EOFError) or getattr(exc, "ends_early", False) or "end of GZIP" in text:
        return "short"
    if isinstance(exc, GzipBroken | zlib.error | gzip.BadGzipFile) or "gzip" in text.lower():
        return "damaged"
    return None


def read_failure(path: Path, rel: str, exc: BaseException, what: str) -> FileProblem:
    """The problem of a file the reader could not read as a whole: in plain words for a .gz file
    that is not whole gzip, else `what` was expected, with the first line of the reader's message
    (no absolute path reaches a page: `Warehouse._record_file_problems` strips them)."""
    trouble = _gzip_trouble(path, exc)
    if trouble is not None:
        return FileProblem(rel, None, "(whole file)", *GZIP_TROUBLE[trouble])
    first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    return FileProblem(rel, None, "(whole file)", None, f"{what} ({first})")


def _open_text_head(path: Path, limit: int = 65536) -> bytes:
    opener = gzip.open if is_gzip_name(path) else open
    with opener(path, "rb") as fh:
        return fh.read(limit)


def case_outcome_month(path: Path) -> str | None:
    """Month (YYYY-MM) of a published case outcomes file, from its name and, failing that, its folder.

    `principal_offence_category_january_2016.csv` → 2016-01;
    `2018/Principal_Offence_Category_Mar.csv` → 2018-03.
    """
    stem = path.name.lower().split(".")[0]
    m = re.fullmatch(r"principal_offence_category_([a-z]+)(?:_(\d{4}))?", stem)
    if not m:
        return None
    word, year = m.group(1), m.group(2)
    month = MONTHS.get(word) or next((n for k, n in MONTHS.items() if k[:3] == word), None)
    if month is None:
        return None
    if year is None:
        folder = path.parent.name
        if not re.fullmatch(r"(19|20)\d\d", folder):
            return None
        year = folder
    return f"{year}-{month:02d}"


def file_period(path: Path) -> tuple[date, date] | None:
    """The first and last day of the period a sample extract's file name gives: a financial year
    (`tasks_2017-18.csv.gz` → 2017-04-01 to 2018-03-31) or a month (`tasks_2017_10.csv` →
    2017-10-01 to 2017-10-31); None when the name gives neither."""
    stem = path.name.lower().split(".")[0]
    found = re.findall(r"(?<!\d)((?:19|20)\d\d)[-_](\d\d)(?!\d)", stem)
    if not found:
        return None
    year, part = int(found[-1][0]), int(found[-1][1])
    if part == (year + 1) % 100:
        return date(year, 4, 1), date(year + 1, 3, 31)
    if 1 <= part <= 12:
        return date(year, part, 1), date(year + part // 12, part % 12 + 1, 1) - timedelta(days=1)
    return None


def file_period_end(path: Path) -> date | None:
    """The last day of the period a file's name gives (`file_period`), or None."""
    period = file_period(path)
    return period[1] if period else None


def query_columns(returns: str) -> list[str]:
    """The column names a query's `returns:` header line lists (explanations in brackets)."""
    flat = re.sub(r"\([^()]*\)", "", returns)
    return [m.group(1) for part in flat.split(",") if (m := re.match(r"\s*(\w+)", part))]


def registry_vocabulary() -> list[tuple[str, str]]:
    """What the measure registry may name: queries, '<query>.<column>', pages."""
    out = []
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        out.append(("query", path.stem))
        try:
            query = load_query(path.stem)
        except QueryError:
            continue
        out += [("query_column", f"{path.stem}.{c}") for c in query_columns(query.returns)]
    out += [("page", p.stem) for p in sorted(PAGES_DIR.glob("*.py"))]
    return out


def repeat_key(sql: str) -> list[str] | None:
    """The expressions over raw columns by which a staging query judges a repeat across lines:
    the select list of its `repeated AS (SELECT … FROM raw_<extract> GROUP BY …)`. None when it has
    no such rule (its cross-line rules are other: the extract is staged whole)."""
    m = re.search(r"repeated AS \(\s*SELECT (.*?)\s+FROM raw_\w+\s+GROUP BY", sql, re.S)
    if not m:
        return None
    return [e.strip() for e, _ in _repeat_terms(m.group(1))]


_REPEATED = re.compile(
    r"(repeated AS \(\s*SELECT .*?\s+FROM raw_\w+)\s+GROUP BY .*?HAVING count\(\*\) > 1(\s*\))",
    re.S,
)


def without_repeat_rule(sql: str) -> str:
    """A staging query with its `repeated` CTE (the keys given on more than one line) made empty:
    the query as it stages lines among which no key is given twice, where the rule's aggregates
    and joins could change nothing."""
    out, n = _REPEATED.subn(r"\1 WHERE false\2", sql)
    if n != 1:
        raise ValueError(
            f"expected one `repeated AS (… GROUP BY … HAVING count(*) > 1)`, found {n}"
        )
    return out


def _repeat_terms(select: str) -> list[tuple[str, str]]:
    return re.findall(r"(.+?)\s+AS\s+(\w+)\s*(?:,|$)", select.strip(), re.S)


def repeat_key_columns(sql: str) -> list[str] | None:
    """The names the `repeated` CTE gives its key expressions: the staged columns holding the
    same values (staging's typed CTE computes them by the same expressions)."""
    m = re.search(r"repeated AS \(\s*SELECT (.*?)\s+FROM raw_\w+\s+GROUP BY", sql, re.S)
    return [a for _, a in _repeat_terms(m.group(1))] if m else None


# An absolute path in a reader's message ("/tmp/tmpab12/joined.csv"), not a fraction or "and/or".
_ABSOLUTE_PATH = re.compile(r"(?<![\w.)/])/(?:[\w.~@+-]+/)+[\w.~@+-]*")
LINE_BREAK_MARK = "\x02"  # stands for a line break inside a field in a joined copy


def _inflate_module():
    """The module that inflates gzip here: ISA-L's `isal_zlib` (about 3× faster than zlib on this
    machine: a 186 MB tasks file in 0.15 s against 0.50 s) where it is installed, else zlib. Both
    take zlib's calls and work outside Python's lock."""
    try:
        from isal import isal_zlib

        return isal_zlib
    except ImportError:  # pragma: no cover - requirements.txt installs it
        import zlib

        return zlib


def _gz_has_blank_line(path: Path, piece: int = 1 << 20, inflate=None) -> bool:
    """Whether a .gz file holds a blank line (a line break right after another, or after a
    carriage return that follows one), read in pieces, never the whole file in memory; the
    inflating (`_inflate_module`, or `inflate` when given) and numpy work outside Python's lock,
    so this runs beside DuckDB's one-thread read of the file."""
    import numpy as np

    inflate = inflate or _inflate_module()
    before = b""  # the end of the piece before, for a blank line across two pieces
    try:
        with open(path, "rb") as fh:
            d = inflate.decompressobj(wbits=31)
            while chunk := fh.read(piece):
                while chunk:
                    out = d.decompress(chunk)
                    edge = before + out[:2]
                    if b"\n\n" in edge or b"\n\r\n" in edge:
                        return True
                    arr = np.frombuffer(out, np.uint8)
                    breaks = np.flatnonzero(arr == 10)
                    gaps = np.diff(breaks)
                    if (gaps == 1).any() or (arr[breaks[:-1][gaps == 2] + 1] == 13).any():
                        return True
                    before = (before + out)[-2:]
                    chunk = d.unused_data  # the next member of a file of several
                    if chunk:
                        d = inflate.decompressobj(wbits=31)
    except (OSError, inflate.error):  # not all gzip after all: the text layer says where
        return True
    return False


@dataclass
class JoinedRecords:
    """A copy of a file with each record on one line (see `join_broken_records`)."""

    path: Path
    physical: list[int]  # line n of the copy is physical line physical[n - 1] of the file
    skipped: list[int]  # physical lines where no record starts (continuations, blank lines)
    # first line, last line, field index, value, what was expected: the records rejected whole
    breaks: list[tuple[int, int, int, str, str]]


BROKEN_RECORD = (
    "a value on one line: this quoted field holds a line break (the record runs from line {} "
    "to line {}; a quote left open joins lines)"
)
OPEN_QUOTE = (
    "a quote that closes on the same line: a quote opens this field and is not closed on its "
    "line, which would join the lines after it to this one (they are read on their own)"
)


def _open_quote(line: str) -> tuple[int, int] | None:
    """Where a quote opens a field of `line` (one physical line) and is not closed before the
    line ends: (the field's index, the quote's position); None when every quote closes."""
    field, quoted, at_start, i, opened = 0, False, True, 0, 0
    body = line.rstrip("\r\n")
    while i < len(body):
        c = body[i]
        if quoted:
            if c == '"':
                if body[i + 1 : i + 2] == '"':
                    i += 1  # an escaped quote
                else:
                    quoted = False
        elif c == '"' and at_start:
            quoted, opened = True, i
        elif c == ",":
            field += 1
            at_start = True
            i += 1
            continue
        at_start = False
        i += 1
    return (field, opened) if quoted else None


def join_broken_records(path: Path, out: Path) -> JoinedRecords:
    """Write `out`, a plain copy of `path` (.csv or .csv.gz) in which every record that spans
    several physical lines (a line break inside a quoted field) is joined onto its first line,
    each break replaced by LINE_BREAK_MARK. Bytes are kept as they are (surrogateescape).

    Unless the quote was left open by mistake: when the record so joined has not the header's
    number of fields, or swallows a line that is a whole record on its own, the quote is taken to
    be a typo on its first line. That line is written without its quotes (it is rejected, its
    value kept as the file gives it) and the lines after it are read on their own."""
    opener = gzip.open if is_gzip_name(path) else open
    with opener(path, "rb") as fh:
        text = fh.read().decode("utf-8", errors="surrogateescape")
    lines = re.split(r"(?<=\n)", text)
    if lines and lines[-1] == "":
        lines.pop()
    physical, skipped, breaks, pieces = [], [], [], []
    width: int | None = None  # the header's number of fields

    def whole_record(line: str) -> bool:
        fields = next(csv.reader([line.rstrip("\r\n")], strict=False), [])
        return len(fields) == width and _open_quote(line) is None

    first = 0  # index in `lines` where the reader starts (again, after a quote left open)
    while first < len(lines):
        reader = csv.reader(iter(lines[first:]), strict=False)
        start = first + 1
        again = None
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error:  # a field longer than the reader takes: a quote left open
                if start > len(lines) or _open_quote(lines[start - 1]) is None:
                    raise
                record, end = [], len(lines)
            else:
                end = first + reader.line_num
            if width is None:
                width = len(record)
            opened = _open_quote(lines[start - 1]) if end > start else None
            if opened is not None and (
                len(record) != width or any(whole_record(x) for x in lines[start : end - 1])
            ):
                index, at = opened
                physical.append(start)
                line = lines[start - 1]
                ending = line[len(line.rstrip("\r\n")) :]
                pieces.append(line.rstrip("\r\n").replace('"', "") + ending)
                value = line.rstrip("\r\n")[at:].encode("utf-8", "surrogateescape")
                breaks.append((start, start, index, value.decode("utf-8", "replace"), OPEN_QUOTE))
                again = start  # the next line is read on its own
                break
            physical.append(start)
            if end > start:
                part = lines[start - 1 : end]
                body = "".join(p.rstrip("\r\n") + LINE_BREAK_MARK for p in part[:-1]) + part[-1]
                pieces.append(body)
                skipped += range(start + 1, end + 1)
                for i, v in enumerate(record):
                    if "\n" in v or "\r" in v:
                        value = v.replace("\r\n", "\n").encode("utf-8", "surrogateescape")
                        breaks.append(
                            (
                                start,
                                end,
                                i,
                                value.decode("utf-8", "replace"),
                                BROKEN_RECORD.format(start, end),
                            )
                        )
            else:
                pieces.append(lines[start - 1])
                if not record:
                    skipped.append(start)  # a blank line: the CSV reader skips it
            start = end + 1
        if again is None:
            break
        first = again
    out.write_bytes("".join(pieces).encode("utf-8", errors="surrogateescape"))
    return JoinedRecords(out, physical, skipped, breaks)


MISSING_FORCE = (
    "a line for every police force area in data/reference/force_areas.csv: this force has none, "
    "so the month's Area and National totals lack it"
)


class _JoinedLines(Exception):
    """The text layer read lines joined by a quote: read the file again, one record a line."""


class Warehouse:
    """One DuckDB database built from one data folder. Thread-safe: queries use their own cursor."""

    def __init__(
        self,
        data_dir: Path | str | None = None,
        db_path: Path | str | None = ":default:",
        read_only: bool = False,
    ):
        self.data_dir = Path(data_dir).resolve() if data_dir else default_data_dir()
        if db_path == ":default:":
            db_path = default_db_path(self.data_dir)
        self.db_path = None if db_path in (None, ":memory:") else Path(db_path)
        self.notice: str | None = None
        self.read_only = read_only
        self._lock = threading.RLock()
        self._local = threading.local()  # a worker's own cursor (see `con`, `_as_ready`)
        self._swap_lock = threading.Lock()  # guards _build and its count of queries in flight
        self.version = ""
        # Lines of each extract staged by the last sync: every line of a re-staged extract, or,
        # where only some files changed, their lines and the lines elsewhere sharing a key with them.
        self.staged_lines: dict[str, int] = {}
        self._partial: dict[str, set[str]] = {}  # extract → the files whose rows changed
        # (extract, file) → the _scratch table holding the file's lines read into typed columns
        # this sync (`_read_typed`), until `_stage` stages them
        self._typed: dict[tuple[str, str], str] = {}
        self._scratch_seq = 0
        self._scratch_lock = threading.Lock()
        # Extracts whose files read into typed columns this sync go into the database itself, as
        # they may be kept as read (`_keep_as_read`); and per extract, the columns of its staged
        # rows when it has files kept so (`_as_read_columns`).
        self._in_place: set[str] = set()
        self._as_read_cols: dict[str, list[str] | None] = {}
        self._kept: dict[tuple[str, str], object] = {}  # see `per_build`
        self._kept_lock = threading.Lock()
        self._blanks: OrderedDict = OrderedDict()  # see `_blank_lines_of`
        if read_only:
            # A replica: serves a file `python -m cjsperf build` made; never ingests.
            self._build = self._open_build()
            self.con = self._build.con
            self.version = self._build.build
            return
        self.con = self._connect()
        self._serving_threads(self.con)
        self._build = _Build(self.con, None, "", "")
        self._setup()

    # ---------------------------------------------------------------- connection
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection this thread works on: while files are read, extracts staged or
        derived tables made side by side (`_as_ready`), each worker's own cursor; else the
        warehouse's connection."""
        return getattr(self._local, "con", None) or self._con

    @con.setter
    def con(self, value: duckdb.DuckDBPyConnection) -> None:
        self._con = value

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self.db_path is not None:
            try:
                return duckdb.connect(str(self.db_path))
            except (duckdb.IOException, OSError) as exc:
                # Locked by another process or not writable: work in memory, and say so.
                self.notice = f"Could not open {self.db_path} ({exc}); working in memory."
                self.db_path = None
        return duckdb.connect()

    @staticmethod
    def _serving_threads(con: duckdb.DuckDBPyConnection) -> None:
        """DuckDB's threads for the pages' queries, which a page runs QUERY_WORKERS at a time:
        `duckdb_threads(QUERY_WORKERS)`, 1 on 2 cores, where a page's queries took 5-25% less
        (at scales 1 and 10, 25 runs each way in turn) but Task completion's at scale 10 (57 ms
        on 2 threads, 84 on 1, against 4.5 s the pandas way). A sync sets its own
        (`_side_by_side_threads`)."""
        con.execute(f"SET threads = {duckdb_threads(QUERY_WORKERS)}")

    def close(self) -> None:
        with self._swap_lock:
            self._build.retired = True
        self.con.close()

    # ---------------------------------------------------------------- read-only replicas
    # A replica holds one connection per build of the file (`_Build`). A query takes the newest
    # build and counts itself in; `refresh()` opens a build that replaced the file as the newest,
    # and the one before is closed when its last query ends (closing a connection breaks the
    # cursors other threads are using). DuckDB hands a `connect` to a path it already has open the
    # database it opened before, even after the file was replaced; so each build is opened through
    # a hard link of its own, removed as soon as the file is open.
    def _open_build(self) -> _Build:
        if self.db_path is None or not self.db_path.is_file():
            raise WarehouseUnavailable(
                f"No database at {self.db_path}: run `python -m cjsperf build` first."
            )
        global _LINKS
        with _LINK_LOCK:
            _LINKS += 1
            link = self.db_path.with_name(f".{self.db_path.name}.{os.getpid()}.{_LINKS}.open")
        try:
            os.link(self.db_path, link)
        except OSError:
            link = None  # no hard links here: open the path itself (see `refresh`)
        source = link or self.db_path
        try:
            st = source.stat()
            con = duckdb.connect(str(source), read_only=True)
            self._serving_threads(con)
        except (duckdb.Error, OSError) as exc:
            raise WarehouseUnavailable(f"Could not open {self.db_path}: {exc}") from exc
        finally:
            if link is not None:
                link.unlink(missing_ok=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if "build" not in meta:  # a file a read-write dashboard made, not `build`
                (files,) = con.execute(
                    "SELECT string_agg(file || ':' || size || ':' || mtime_ns, '|' ORDER BY file) "
                    "FROM load_files"
                ).fetchone()
                meta["build"] = hashlib.sha1(f"{files}|{meta.get('code')}".encode()).hexdigest()[
                    :12
                ]
        except duckdb.Error as exc:
            con.close()
            raise WarehouseUnavailable(
                f"{self.db_path} is not a dashboard database: {exc}"
            ) from exc
        key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        return _Build(con, key, meta["build"], meta.get("built_at", ""), linked=link is not None)

    def refresh(self) -> bool:
        """Read-only: serve the build that replaced the database file, if one did; True if so.
        A file that cannot be opened leaves the build being served in place (and says so in
        `notice`)."""
        if not self.read_only or self.db_path is None:
            return False
        with self._lock:
            try:
                st = self.db_path.stat()
            except OSError:
                return False
            if (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size) == self._build.key:
                return False
            old = self._build
            if not old.linked:
                # Without a link of its own, DuckDB would hand back the open build: wait till idle.
                with self._swap_lock:
                    if old.users:
                        return False
                    old.retired = True
                old.con.close()
            try:
                new = self._open_build()
            except WarehouseUnavailable as exc:
                self.notice = str(exc)
                if old.linked:
                    return False
                new = self._open_build()  # the old one is closed: try once more, or fail
            self.notice = None
            with self._swap_lock:
                self._build, self.con, self.version = new, new.con, new.build
                old.retired = True
                idle = old.users == 0
            if idle and old.linked:
                old.con.close()
            return True

    @contextlib.contextmanager
    def _connection(self):
        """The newest build's connection, counted in for the length of the block."""
        with self._swap_lock:
            build = self._build
            build.users += 1
        try:
            yield build.con
        finally:
            with self._swap_lock:
                build.users -= 1
                close = build.retired and build.users == 0 and build is not self._build
            if close:
                build.con.close()

    def build_info(self) -> dict:
        """The build being served: its id, when it was built, and the lines loaded per extract."""
        with self._swap_lock:
            build = self._build
        rows = self.sql("SELECT extract, lines FROM stage_counts ORDER BY extract")
        return {
            "build": build.build or self.version,
            "built_at": build.built_at,
            "rows": {r.extract: int(r.lines) for r in rows.itertuples()},
        }

    def _setup(self) -> None:
        con = self.con
        code_hash = hashlib.sha256(
            (
                SCHEMA_VERSION + "".join(p.read_text() for p in sorted(STAGING_DIR.glob("*.sql")))
            ).encode()
        ).hexdigest()[:16]
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        # Files read straight into typed columns wait here, in memory, until staged (`_stage`);
        # an attached database, so the reader threads' cursors and this connection share it.
        # Not compressed: the files an extract staged whole may keep as read (tasks among them)
        # are read into the database file itself (`_in_place`), and what waits here at scale 10
        # (court sessions, trials, letters, agent spend) took the same peak memory either way
        # (0.73-0.89 GB), while compressing it cost a cold sync 0.2-0.5 s (seven pairs in turn:
        # 8.29-9.81 s against 8.60-11.75 s; 1.4-1.9 s in the two taken while the machine slowed).
        # It compressed 6 million tasks when they waited here.
        con.execute("ATTACH IF NOT EXISTS ':memory:' AS _scratch")
        row = con.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
        if row is None or row[0] != code_hash:
            # views first (stg_<extract> may be a view over tables of kept lines, `_keep_as_read`)
            for (name,) in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
            ).fetchall():
                con.execute(f'DROP VIEW IF EXISTS "{name}"')
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
            ).fetchall():
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
            con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute("INSERT INTO meta VALUES ('code', ?)", [code_hash])
        con.execute(
            """CREATE TABLE IF NOT EXISTS load_files (
                extract VARCHAR, file VARCHAR, size BIGINT, mtime_ns BIGINT, modified TIMESTAMP,
                period VARCHAR, encoding VARCHAR, rows_read BIGINT, status VARCHAR,
                fields INTEGER, period_end DATE, layer VARCHAR)"""
        )
        con.execute(
            """CREATE TABLE IF NOT EXISTS file_problems (
                extract VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR,
                expected VARCHAR, severity VARCHAR)"""
        )
        con.execute(
            """CREATE TABLE IF NOT EXISTS row_problems (
                extract VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR,
                expected VARCHAR, severity VARCHAR, record VARCHAR)"""
        )
        # The keys of the reference lists (LIST_REFERENCES) on lines they refused: a row naming
        # one is told so (`_stage_extract`), not that its value is missing from the list.
        con.execute(
            """CREATE TABLE IF NOT EXISTS refused_keys (
                file VARCHAR, value VARCHAR, line BIGINT, expected VARCHAR)"""
        )
        # Per file of an extract: the date its dates are judged against (see `_anchor_dates`).
        con.execute(
            """CREATE TABLE IF NOT EXISTS date_anchors (
                extract VARCHAR, file VARCHAR, anchor DATE, basis VARCHAR)"""
        )
        # Records holding a line break inside a quoted field: rejected by staging, by line.
        con.execute(
            """CREATE TABLE IF NOT EXISTS raw_breaks (
                extract VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR,
                expected VARCHAR)"""
        )
        con.execute(
            """CREATE OR REPLACE VIEW load_problems AS
               SELECT extract, file, line, "column", value, expected, severity, NULL AS record
               FROM file_problems
               UNION ALL BY NAME SELECT * FROM row_problems"""
        )
        # (val::VARCHAR: a typed read gives a date where the text layer gives its text)
        con.execute(
            """CREATE OR REPLACE MACRO problem(col, val, expected) AS
               {'column': col, 'value': val::VARCHAR, 'expected': expected, 'severity': 'error'}"""
        )
        con.execute(
            """CREATE OR REPLACE MACRO warning(col, val, expected) AS
               {'column': col, 'value': val::VARCHAR, 'expected': expected,
                'severity': 'warning'}"""
        )
        # Percent with one decimal, rounded half-up as CPS publishes it (17 of 80 → 21.3), in exact
        # integer arithmetic; NULL when there is nothing to divide by.
        con.execute(
            """CREATE OR REPLACE MACRO rate_half_up(num, den) AS
               CASE WHEN den > 0 THEN ((2000 * num::HUGEINT + den) // (2 * den))::BIGINT / 10.0 END"""
        )
        con.execute("CREATE TABLE IF NOT EXISTS vocab (kind VARCHAR, value VARCHAR)")
        # Per file read into typed columns (all of whose lines are staged as they are): a 64-bit
        # fingerprint of each block of BLOCK_LINES lines (line // BLOCK_LINES), the xor of a hash
        # of every line's number, fields and width. Only the blocks that changed are staged again.
        con.execute(
            "CREATE TABLE IF NOT EXISTS line_blocks "
            "(extract VARCHAR, file VARCHAR, block BIGINT, h UBIGINT)"
        )
        # Files kept as read (`_keep_as_read`): the table holding the file's lines as it was read,
        # which stg_<extract> (a view) reads them from, and the blocks of lines (line //
        # BLOCK_LINES) it no longer reads there, changed since (their rows are in the table of the
        # extract's other staged rows, `_staged_table`).
        con.execute(
            "CREATE TABLE IF NOT EXISTS as_read "
            "(extract VARCHAR, file VARCHAR, tbl VARCHAR, skip BIGINT[])"
        )
        # Lines loaded per extract, counted once when it is staged (summary() reads it: counting
        # distinct lines of 6 million tasks took 0.7 s on every data quality page view).
        con.execute(
            "CREATE TABLE IF NOT EXISTS stage_counts (extract VARCHAR PRIMARY KEY, lines BIGINT)"
        )
        # Until the reference files are first loaded (sync), queries see empty lists.
        con.execute(
            "CREATE TABLE IF NOT EXISTS ref_offence_categories "
            "(offence_category VARCHAR, cps_order INTEGER, short_name VARCHAR)"
        )
        # The offence categories of CPS's case outcomes file, in its column order (the file's
        # format, `extracts.OFFENCE_CATEGORIES`): staging reads each by its position, and a
        # category the reference list lacks (or refused) is a problem, not a silent gap.
        con.execute(
            "CREATE OR REPLACE TABLE case_outcome_categories "
            "(position INTEGER, offence_category VARCHAR)"
        )
        con.executemany(
            "INSERT INTO case_outcome_categories VALUES (?, ?)",
            list(enumerate(OFFENCE_CATEGORIES, start=1)),
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS ref_force_areas (force_area VARCHAR, cps_area VARCHAR)"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS ref_court_centres "
            "(court_centre VARCHAR, court_type VARCHAR, force_area VARCHAR)"
        )
        # Is v one of the allowed values of kind (a fixed vocabulary or a reference list)?
        con.execute(
            """CREATE OR REPLACE MACRO known(k, v) AS
               coalesce(v IN (SELECT value FROM vocab WHERE kind = k), false)"""
        )
        con.execute(
            """CREATE OR REPLACE MACRO one_of(k) AS
               'one of: ' || (SELECT string_agg(value, '; ') FROM vocab WHERE kind = k)"""
        )
        # trim(v), the value without the spaces around it (DuckDB's trim drops the Unicode space
        # separators, Zs: the space, the no-break space, U+2000-U+200A, U+3000 and the rest), at a
        # third of its cost where there is nothing to drop: an ASCII value (as many bytes as
        # characters) that neither starts nor ends with a space is returned as it is, as trim
        # would (the space is the one ASCII character trim drops). 0.58 -> 0.26 s for four
        # columns of 2 million tasks. Staging tidies every text value with it.
        con.execute(
            """CREATE OR REPLACE MACRO tidy(v) AS
               CASE WHEN v LIKE ' %' OR v LIKE '% ' OR strlen(v) <> length(v) THEN trim(v)
                    ELSE v END"""
        )
        # A date read straight into a DATE column (`_read_typed`) is taken as it is; text is
        # parsed. (typeof is resolved when the query is planned: no cost per row.)
        con.execute(
            """CREATE OR REPLACE MACRO parse_date(v) AS
               CASE WHEN typeof(v) = 'DATE' THEN TRY_CAST(v AS DATE)
                    ELSE try_strptime(tidy(v::VARCHAR), '%Y-%m-%d')::DATE END"""
        )
        # A date beyond its file's period (date_anchors) by more than a margin is an error: 31 days
        # for dates that should be past when the extract is made (created, completed, paid, sat,
        # a month's first day), a year for due dates, which may run later.
        con.execute(f"CREATE OR REPLACE MACRO past_margin() AS {PAST_MARGIN_DAYS}")
        con.execute(f"CREATE OR REPLACE MACRO due_margin() AS {DUE_MARGIN_DAYS}")
        con.execute(
            """CREATE OR REPLACE MACRO beyond_period(col, raw, d, anchor, basis, margin) AS
               CASE WHEN d > anchor + margin THEN problem(col, raw,
                   'a date at most ' || margin || ' days after ' || strftime(anchor, '%Y-%m-%d')
                   || ', ' || basis || ' (a mistyped year?)') END"""
        )
        con.execute(
            """CREATE OR REPLACE MACRO parse_money(v) AS
               try_cast(replace(replace(tidy(v), '£', ''), ',', '') AS DECIMAL(14, 2))"""
        )
        # Does force area f belong to area a: a force as CPS spells it, 'CPS <Area>' (its forces),
        # or 'National' (the published National row)? The area's forces are listed once per query
        # (an uncorrelated subquery): `f IN (SELECT …)` planned a join that cost 5-15 ms a query.
        con.execute(
            """CREATE OR REPLACE MACRO in_area(f, a) AS
               CASE WHEN a = 'National' THEN f = 'National'
                    ELSE list_contains((SELECT list(force_area) FROM ref_force_areas
                                        WHERE force_area = a OR 'CPS ' || cps_area = a), f) END"""
        )
        # First day of a YYYY-MM month parameter.
        con.execute("CREATE OR REPLACE MACRO month_start(m) AS strptime(m, '%Y-%m')::DATE")
        con.execute(
            """CREATE OR REPLACE MACRO parse_count(v) AS
               try_cast(replace(tidy(v), ',', '') AS BIGINT)"""
        )
        for extract in (*EXTRACTS, *REFERENCE_FILES):
            cols = ", ".join(
                f'"{_raw_name(extract, i)}" VARCHAR' for i in range(len(extract.columns))
            )
            con.execute(
                f"CREATE TABLE IF NOT EXISTS raw_{extract.name} "
                f"(file VARCHAR, line BIGINT, {cols}, _fields INTEGER)"
            )

    # ---------------------------------------------------------------- listing
    def list_files(self, extract: Extract) -> list[Path]:
        """The extract's files: its glob, with the file name matched in any case, so that
        `Principal_Offence_Category_Apr.CSV` or `tasks_2018-19.CSV.GZ` is read like its
        lower-case twin (a case-sensitive glob left them out without a word)."""
        folder, _, name = extract.glob.rpartition("/")
        seen = sorted(
            {
                p
                for p in self.data_dir.glob(f"{folder}/*" if folder else "*")
                if p.is_file() and fnmatch.fnmatchcase(p.name.lower(), name.lower())
            }
        )
        return [p for p in seen if not p.name.startswith(".")]

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.data_dir).as_posix()

    def _reference_signature(self) -> str:
        """The reference files, and the query and page files the measure registry names."""
        parts = []
        for ref in REFERENCE_FILES:
            p = self.data_dir / ref.glob
            st = p.stat() if p.exists() else None
            parts.append(f"{ref.name}:{st.st_size if st else -1}:{st.st_mtime_ns if st else -1}")
        lists = "|".join(
            p
            for ref, p in zip(REFERENCE_FILES, parts)
            if ref.name.removeprefix("reference_") in LIST_REFERENCES
        )
        code = [
            f"{p.name}:{p.stat().st_mtime_ns}"
            for p in [
                *sorted(QUERIES_DIR.glob("*.sql")),
                *sorted(SHARED_DIR.glob("*.sql")),  # the macros those queries use
                *sorted(DERIVED_DIR.glob("*.sql")),  # and the tables made from the macros
                *sorted(PAGES_DIR.glob("*.py")),
            ]
        ]
        registry = hashlib.sha1("|".join(parts + code).encode()).hexdigest()[:16]
        return f"{lists}#{registry}"

    # ---------------------------------------------------------------- sync
    def sync(self, force: bool = False) -> SyncReport:
        """Bring the database up to date with the data folder; read only what changed."""
        if self.read_only:  # a replica never ingests: it serves the newest build
            self.refresh()
            return SyncReport([], 0.0)
        with self._lock, self._ingest_memory():
            t0 = time.perf_counter()
            con = self.con
            # Marks left by a sync that stopped: those extracts are staged whole.
            pending = {
                k.removeprefix("dirty:")
                for (k,) in con.execute("SELECT key FROM meta WHERE key LIKE 'dirty:%'").fetchall()
            }
            self._partial, self.staged_lines = {}, {}
            ref_sig = self._reference_signature()
            row = con.execute("SELECT value FROM meta WHERE key = 'references'").fetchone()
            refs_changed = force or row is None or row[0] != ref_sig
            # Every extract is checked against the lists: when one changes, each extract is
            # marked to be staged again before anything changes, so a failure from here on is
            # made good next time. (The registry alone changes no extract.)
            if refs_changed and (
                force or row is None or row[0].split("#")[0] != ref_sig.split("#")[0]
            ):
                for extract in EXTRACTS:
                    self._mark_dirty(extract)
                    pending.add(extract.name)
            staged = {
                name.removeprefix("stg_")
                for (name,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                    "AND table_name LIKE 'stg_%' UNION ALL SELECT view_name FROM duckdb_views() "
                    "WHERE schema_name = 'main' AND view_name LIKE 'stg_%'"
                ).fetchall()
            }
            todo = {
                e.name: self._plan_extract(
                    e, force, by_file=not force and e.name not in pending and e.name in staged
                )
                for e in EXTRACTS
            }
            # (an extract staged whole: its typed files are read into the database)
            self._in_place = {
                e.name for e in EXTRACTS if e.name not in self._partial and self._as_read_columns(e)
            }
            # what a sync of this process that stopped left of its typed reads: read again (its
            # extracts are still marked to be staged whole)
            for table in self._typed.values():
                self._drop_scratch(table)
            self._typed.clear()
            # tables of lines read into the database by a sync that stopped before keeping them
            for (orphan,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                "AND database_name = current_database() AND starts_with(table_name, 'typed_') "
                "AND table_name NOT IN (SELECT tbl FROM as_read)"
            ).fetchall():
                con.execute(f'DROP TABLE "{orphan}"')
            jobs = [job for _, file_jobs in todo.values() for job in file_jobs]
            dirty = {
                k.removeprefix("dirty:")
                for (k,) in con.execute("SELECT key FROM meta WHERE key LIKE 'dirty:%'").fetchall()
            }
            to_stage = [e for e in EXTRACTS if e.name in dirty]
            changed = [e.name for e in to_stage]
            # Macros the queries share (queries/shared/*.sql); they read stg_* tables, so they are
            # made once those exist, and made again only when their text changes (they name the
            # tables, which a sync may replace, and are bound when a query runs).
            shared = [p.read_text() for p in sorted(SHARED_DIR.glob("*.sql"))]
            mark = hashlib.sha1("\n".join(shared).encode()).hexdigest()[:16]
            names = sorted({m for t in shared for m in re.findall(r"MACRO\s+(\w+)", t)})
            row = con.execute("SELECT value FROM meta WHERE key = 'shared'").fetchall()
            (found,) = con.execute(
                "SELECT count(DISTINCT function_name) FROM duckdb_functions() "
                "WHERE function_name IN (SELECT unnest($names::VARCHAR[]))",
                {"names": names},
            ).fetchall()[0]
            make_macros = None
            if not row or row[0][0] != mark or found < len(names):

                def make_macros() -> None:
                    for text in shared:
                        self.con.execute(text)
                    self.con.execute("INSERT OR REPLACE INTO meta VALUES ('shared', ?)", [mark])

            # The files read, the extracts staged and the tables made from the staged rows
            # (queries/derived), each as soon as what it needs is in place (`_sync_items`).
            with self._side_by_side_threads(len(jobs)):
                ended = self._sync_items(
                    jobs, to_stage, ref_sig, refs_changed, sorted(DERIVED_DIR.glob("*.sql")),
                    mark, make_macros,
                )  # fmt: skip
            read_done = max(
                (t for k, t in ended.items() if k.startswith("read ") or k == "references"),
                default=t0,
            )
            staged_done = max([read_done, *(t for k, t in ended.items() if k.startswith("stage "))])
            self.version = self._compute_version()
            done = time.perf_counter()
            phases = {
                "read": read_done - t0,
                "stage": staged_done - read_done,
                "derive": done - staged_done,
            }
            return SyncReport(changed, done - t0, phases)

    def _sync_items(
        self,
        jobs: list[tuple],
        extracts: list[Extract],
        ref_sig: str,
        refs_changed: bool,
        derived: list[Path],
        shared_mark: str,
        make_macros: Callable[[], None] | None,
    ) -> dict[str, float]:
        """A sync's work, each item as soon as what it needs is in place (`_as_ready`, READERS at a
        time, each on a cursor of its own); returns when each item ended.

        * the reference lists, read and checked when they changed (`refs_changed`);
        * each file read (`jobs`: extract, relative name, path, size, modification time);
        * each extract of `extracts` staged once its files and the lists are read (staging reads
          only its own extract's lines and the lists), while other files are still read;
        * the working-day calendar, once the letters are staged;
        * the tables of queries/derived/*.sql (`_derive_one`), each once its extracts are staged,
          the calendar made and the derived tables it reads made: a shared macro worked out once
          for every value of its parameters, for the queries to read;
        * the shared macros (`make_macros`), when they are to be made again: DuckDB binds a
          macro's tables when it is made, so once every extract is staged and the derived tables
          a macro reads are made; a table whose query calls a macro waits for them.

        The ready item on the longest path of bytes read goes first (the lists first of all), so
        a large extract's reading, staging and tables run ahead. Staged after all the reading, a
        cold ingest at scale 10 left a core idle while the last files were read and small
        extracts staged; made after all the staging, the derived tables waited for the last
        extract."""
        deps: dict[str, set[str]] = {}
        work: dict[str, Callable[[], None]] = {}
        weight: dict[str, float] = {}
        if refs_changed:

            def references() -> None:
                self._load_references()
                self.con.execute("INSERT OR REPLACE INTO meta VALUES ('references', ?)", [ref_sig])

            deps["references"], work["references"] = set(), references
            weight["references"] = float("inf")
        reads: dict[str, set[str]] = {}
        size: dict[str, int] = {}
        for extract, rel, path, nbytes, mtime_ns in jobs:
            key = f"read {rel}"
            deps[key] = set()
            work[key] = partial(self._ingest_job, extract, path, rel, nbytes, mtime_ns)
            weight[key] = nbytes
            reads.setdefault(extract.name, set()).add(key)
            size[extract.name] = size.get(extract.name, 0) + nbytes
        stage = {e.name: f"stage {e.name}" for e in extracts}
        for extract in extracts:
            deps[stage[extract.name]] = reads.get(extract.name, set()) | (
                {"references"} & set(deps)
            )
            work[stage[extract.name]] = partial(self._stage, extract)
            weight[stage[extract.name]] = 1 + size.get(extract.name, 0)  # ahead of a file read
        calendar = "working days"  # queries/shared/vcl.sql counts due dates in it
        deps[calendar] = {stage[VCL_LETTERS.name]} if VCL_LETTERS.name in stage else set()
        work[calendar] = self._working_days
        reads_of = derived_reads()
        bodies = macro_bodies()
        tables = {p.stem for p in derived}
        macro = "(the shared macros)"
        for path in derived:
            text = path.read_text()
            calls = any(re.search(rf"\b{n}\s*\(", sql_code(text)) for n in bodies)
            deps[path.stem] = (
                set(reads_of.get(path.stem, frozenset()) & tables)
                | {calendar}
                | {stage[e] for e in {*derived_extracts(text), *sql_extracts(text)} if e in stage}
                | ({macro} if make_macros is not None and calls else set())
            )
            work[path.stem] = partial(self._derive_one, path, shared_mark, ref_sig)
            weight[path.stem] = sum(size.get(e, 0) for e in derived_extracts(text))
        if make_macros is not None:
            deps[macro] = {
                t for t in tables if any(re.search(rf"\b{t}\b", b) for b in bodies.values())
            } | {calendar, *stage.values()}
            work[macro] = make_macros
        after: dict[str, float] = {}  # an item's weight and the most of what waits for it

        def path_weight(k: str, seen: frozenset = frozenset()) -> float:
            if k not in after:
                waiting = [d for d, on in deps.items() if k in on and d not in seen]
                after[k] = weight.get(k, 0) + max(
                    (path_weight(d, seen | {k}) for d in waiting), default=0
                )
            return after[k]

        ended: dict[str, float] = {}
        self._as_ready(deps, work, {k: path_weight(k) for k in deps}, ended=ended)
        return ended

    def _as_ready(
        self,
        deps: dict[str, set[str]],
        work: dict[str, Callable[[], None]],
        weight: dict[str, float],
        ended: dict[str, float] | None = None,
        workers: int | None = None,
    ) -> None:
        """`work[k]()` for every k, each once every item of `deps[k]` has run, `workers` (else
        READERS) at a time (each thread on a cursor of its own), the ready item of most `weight`
        first; one at a time when that is 1. A cycle runs its items one after another. The first
        failure (of the items that failed, the one started first) is raised once the items running
        meanwhile end (none starts after it), naming any other. `ended`: each item's end
        (`time.perf_counter()`), filled in."""
        workers = READERS if workers is None else workers
        ended = {} if ended is None else ended
        done: set[str] = set()
        todo = dict(deps)

        def ready() -> list[str]:
            out = [k for k, d in todo.items() if d <= done]
            if not out and todo and not running:  # a cycle: break it
                out = [next(iter(todo))]
            return sorted(out, key=lambda k: (-weight.get(k, 0), k))

        running: dict = {}
        if workers < 2:
            while todo:
                k = ready()[0]
                del todo[k]
                work[k]()
                done.add(k)
                ended[k] = time.perf_counter()
            return

        def run(k: str) -> None:
            cur = self._con.cursor()
            self._local.con = cur
            try:
                work[k]()
            finally:
                self._local.con = None
                cur.close()
                ended[k] = time.perf_counter()

        failed: list = []
        started = 0
        with ThreadPoolExecutor(workers, thread_name_prefix="cjsperf-stage") as pool:
            while todo or running:
                if not failed:
                    for k in ready()[: workers - len(running)]:
                        del todo[k]
                        running[pool.submit(run, k)] = (started, k)
                        started += 1
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    seq, k = running.pop(future)
                    if future.exception() is not None:
                        failed.append((seq, future.exception()))
                    else:
                        done.add(k)
        if failed:
            failed = [exc for _, exc in sorted(failed, key=lambda f: f[0])]  # in order started
            for other in failed[1:]:
                failed[0].add_note(f"Also failed meanwhile: {other!r}")
            raise failed[0]

    def _derive_one(self, path: Path, shared_mark: str, ref_sig: str) -> None:
        """Make the table of one queries/derived file, unless its inputs are as they were: its
        text, the shared macros, the reference lists, the working-day calendar and the files of
        the extracts it names (`-- extracts: a, b`: name, size, time, status). Never on a sync
        that changed none of them."""
        con = self.con
        calendar = con.execute("SELECT value FROM meta WHERE key = 'working_days'").fetchall()
        text = path.read_text()
        table = path.stem
        extracts = derived_extracts(text)
        ((files,),) = con.execute(
            "SELECT string_agg(concat_ws(':', file, size, mtime_ns, status), '|' "
            "ORDER BY file) FROM load_files WHERE list_contains($extracts, extract)",
            {"extracts": extracts},
        ).fetchall()
        inputs = f"{text}|{shared_mark}|{ref_sig}|{calendar}|{files}"
        sig = hashlib.sha1(inputs.encode()).hexdigest()
        row = con.execute(
            "SELECT value FROM meta WHERE key = $key", {"key": f"derived:{table}"}
        ).fetchall()
        ((exists,),) = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND table_name = $table",
            {"table": table},
        ).fetchall()
        if row and row[0][0] == sig and exists:
            return
        con.execute(text)
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ($key, $sig)",
            {"key": f"derived:{table}", "sig": sig},
        )

    @contextlib.contextmanager
    def _ingest_memory(self):
        """Bound DuckDB's memory while a sync runs (INGEST_MEMORY_MB), for a database file; its
        own setting (or the default) again afterwards, for the queries of the pages."""
        con = self.con
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
        bound = self.db_path is not None
        if bound:
            con.execute(f"SET memory_limit = '{int(INGEST_MEMORY_MB)}MB'")
        try:
            yield
        finally:
            if bound:
                con.execute("SET memory_limit = $limit", {"limit": limit})

    @contextlib.contextmanager
    def _side_by_side_threads(self, files: int):
        """DuckDB's threads while a sync reads `files` files: `duckdb_threads(READERS)` when
        READERS of them or more are read side by side, else every core (one file is read on all
        of them); the setting the pages' queries run with (`_serving_threads`) again afterwards.
        Each statement is run by its own thread too, so on 2 cores two statements at once ran
        on four threads. A cold sync at scale 10 in fresh processes, three pairs in turn: 8.98 /
        9.31 / 9.73 s (CPU 17.1-18.3 s) on 2 threads, 8.44 / 8.31 / 8.66 s (CPU 15.9-16.3 s) on
        1. One touched tasks file: 1.52-1.72 s on 2 threads, 1.85-2.04 s on 1."""
        con = self.con
        (threads,) = con.execute("SELECT current_setting('threads')").fetchall()[0]
        want = duckdb_threads(READERS) if READERS > 1 and files >= READERS else CORES
        if want == int(threads):
            yield
            return
        con.execute(f"SET threads = {want}")
        try:
            yield
        finally:
            con.execute(f"SET threads = {int(threads)}")

    def _working_days(self) -> None:
        """`working_days(day DATE, n INTEGER)`: every England and Wales working day (weekends and
        bank holidays excluded; `cjsperf.workdays`, from the holidays package) numbered 1, 2, …
        in order, from the year before the first VCL decision to the year after the last. A
        letter due N working days after its decision is due on the day numbered n + N, n being
        the number of the last working day on or before the decision (queries/shared/vcl.sql).
        Made again only when that span of years changes."""
        from cjsperf.workdays import working_days

        con = self.con
        # fetchall, not fetchone: DuckDB refuses register() while a result is still unfinished.
        ((first, last),) = con.execute(
            "SELECT year(min(decision_date)), year(max(decision_date)) FROM stg_vcl_letters"
        ).fetchall()
        today = date.today().year
        span = f"{(first or today) - 1}-{(last or today) + 1}"
        row = con.execute("SELECT value FROM meta WHERE key = 'working_days'").fetchall()
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'working_days'"
        ).fetchall()[0][0]
        if row and row[0][0] == span and exists:
            return
        days = working_days(*(int(y) for y in span.split("-")))
        frame = pd.DataFrame({"day": days, "n": range(1, len(days) + 1)})
        con.register("_working_days", frame)
        con.execute(
            "CREATE OR REPLACE TABLE working_days AS "
            "SELECT day::DATE AS day, n::INTEGER AS n FROM _working_days ORDER BY n"
        )
        con.unregister("_working_days")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('working_days', ?)", [span])

    def _compute_version(self) -> str:
        rows = self.con.execute(
            "SELECT string_agg(file || ':' || size || ':' || mtime_ns, '|' ORDER BY file) "
            "FROM load_files"
        ).fetchone()
        return hashlib.sha1(f"{rows[0]}|{self._reference_signature()}".encode()).hexdigest()[:12]

    def _repeat_key(self, extract: Extract) -> str | None:
        """SQL of the key by which the extract's staging judges repeats across lines (one value
        or a struct), read from queries/staging/<extract>.sql; None when it has no such rule."""
        if extract is CASE_OUTCOMES:
            return None
        keys = repeat_key((STAGING_DIR / f"{extract.name}.sql").read_text())
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        return "struct_pack(" + ", ".join(f"k{i} := {e}" for i, e in enumerate(keys)) + ")"

    def _repeat_rule_if_needed(self, extract: Extract, sql: str, lines: str) -> str:
        """The staging query `sql` as it should run over `lines` (a table, or SQL of the lines
        in brackets): without its repeat rule (`without_repeat_rule`) when no key is given twice
        among them, as the rule can then reject nothing. Its aggregates and joins cost tasks at
        scale 10 1.9 s of a 2.0 s check; finding that no key repeats (a count of distinct key
        hashes: equal keys hash alike) costs 0.5 s."""
        key = self._repeat_key(extract)
        if key is None:
            return sql
        ((repeats,),) = self.con.execute(
            f"SELECT count(*) - count(DISTINCT hash({key})) FROM {lines}"
        ).fetchall()
        return sql if repeats else without_repeat_rule(sql)

    def _repeat_keys(self, extract: Extract) -> tuple[str, str] | None:
        """The repeat key as SQL over raw columns and over the staged columns."""
        raw = self._repeat_key(extract)
        if raw is None:
            return None
        names = repeat_key_columns((STAGING_DIR / f"{extract.name}.sql").read_text())
        if len(names) == 1:
            return raw, f'"{names[0]}"'
        return raw, "struct_pack(" + ", ".join(f'k{i} := "{n}"' for i, n in enumerate(names)) + ")"

    def _plan_extract(
        self, extract: Extract, force: bool, by_file: bool = False
    ) -> tuple[bool, list[tuple]]:
        """Forget the files of `extract` that changed or went; return whether anything did, and
        the files to read (extract, path, relative name, size, modification time).

        `by_file`: the extract was staged and up to date; if its staging judges repeats by a key,
        only the changed files' lines (and the lines elsewhere sharing a key with their old or new
        lines) are staged again (`_stage`), so the keys of the old lines are kept first."""
        con = self.con
        current = {}
        for p in self.list_files(extract):
            st = p.stat()
            current[self._rel(p)] = (p, st.st_size, st.st_mtime_ns)
        stored = {
            f: (s, m)
            for f, s, m in con.execute(
                "SELECT file, size, mtime_ns FROM load_files WHERE extract = ?", [extract.name]
            ).fetchall()
        }
        stale = [f for f in stored if force or f not in current or stored[f] != current[f][1:]]
        fresh = [f for f in current if force or f not in stored or stored[f] != current[f][1:]]
        if stale or fresh:
            self._mark_dirty(extract)
            key = self._repeat_key(extract) if by_file else None
            if key is not None:
                con.execute(
                    f"""CREATE OR REPLACE TABLE _scratch._oldkeys_{extract.name} AS
                    SELECT DISTINCT {key} AS k FROM raw_{extract.name}
                    WHERE file IN (SELECT unnest($files::VARCHAR[]))""",
                    {"files": stale},
                )
                self._partial[extract.name] = {*stale, *fresh}
        # A fresh file may have rows in raw_* from a sync that stopped before recording it.
        # (Four statements for all of them: a cold start has 72 files.)
        if stale or fresh:
            gone = {"files": sorted({*stale, *fresh})}
            for table in ("load_files", "file_problems", f"raw_{extract.name}", "raw_breaks"):
                con.execute(f"DELETE FROM {table} WHERE file IN (SELECT unnest($files))", gone)
        return bool(stale or fresh), [(extract, f, *current[f]) for f in fresh]

    def _mark_dirty(self, extract: Extract) -> None:
        """Note, durably and before raw_<extract> or a reference list changes, that
        stg_<extract> must be made again. The mark goes only in the transaction that puts the new
        stg_<extract> in place, so a sync that fails or is killed in between (a file read but not
        staged) leaves it, and the next sync stages the extract whatever the files look like."""
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", [f"dirty:{extract.name}"])

    def _ingest_job(self, extract: Extract, path: Path, rel: str, size: int, mtime_ns: int) -> None:
        self._ingest_file(extract, path, rel, size, mtime_ns, self.con)

    # ---------------------------------------------------------------- one file
    def _ingest_file(
        self, extract: Extract, path: Path, rel: str, size: int, mtime_ns: int, con
    ) -> None:
        problems: list[FileProblem] = []
        period = None
        if extract is CASE_OUTCOMES:
            period = case_outcome_month(path)
            if period is None:
                problems.append(
                    FileProblem(
                        rel,
                        None,
                        None,
                        path.name,
                        "a file name that gives the month, like "
                        "principal_offence_category_april_2018.csv, or "
                        "Principal_Offence_Category_Apr.csv inside a folder named for the year",
                    )
                )
        status, encoding, rows_read = "rejected", None, 0
        mapping = None
        if not problems:
            mapping, header_problems = self._check_file(extract, path, rel)
            problems += header_problems
        if mapping is not None and not any(p.severity == "error" for p in problems):
            try:
                encoding, rows_read, read_problems = self._read_raw(
                    extract, path, rel, mapping, con
                )
                status = "loaded"
            except READ_ERRORS as exc:
                # Whatever the reader cannot cope with refuses this file only, never the sync.
                con.execute(f"DELETE FROM raw_{extract.name} WHERE file = ?", [rel])
                con.execute("DELETE FROM raw_breaks WHERE file = ?", [rel])
                encoding, rows_read, status = None, 0, "rejected"
                read_problems = [read_failure(path, rel, exc, "a CSV file the reader can read")]
            problems += read_problems
            if status == "loaded" and rows_read == 0:
                status = "empty"
                problems.append(
                    FileProblem(rel, 2, None, "(no rows)", "at least one data row after the header")
                )
        con.execute(
            "INSERT INTO load_files VALUES "
            "(?, ?, ?, ?, make_timestamp(?::BIGINT // 1000), ?, ?, ?, ?, ?, ?, ?)",
            [
                extract.name,
                rel,
                size,
                mtime_ns,
                mtime_ns,
                period,
                encoding,
                rows_read,
                status,
                len(mapping) if mapping is not None else None,
                file_period_end(path) if extract is not CASE_OUTCOMES else None,
                "typed" if (extract.name, rel) in self._typed else "text",
            ],
        )
        self._record_file_problems(con, extract.name, problems)

    def _check_file(
        self, extract: Extract, path: Path, rel: str
    ) -> tuple[list[str | None] | None, list[FileProblem]]:
        """Check a file as a whole; return how its columns map to the contract, and problems."""
        try:
            head = _open_text_head(path)
        except READ_ERRORS as exc:
            return None, [read_failure(path, rel, exc, "a readable file")]
        if not head.strip():
            return None, [
                FileProblem(rel, 1, None, "(empty file)", "a header line naming the columns")
            ]
        if head.startswith(b"PK\x03\x04"):
            return None, [
                FileProblem(
                    rel,
                    None,
                    None,
                    "an Excel workbook (.xlsx) saved with a .csv name",
                    "a CSV file: in Excel use Save As > CSV UTF-8 (Comma delimited)",
                )
            ]
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return None, [
                FileProblem(
                    rel,
                    None,
                    None,
                    "an old Excel workbook (.xls) saved with a .csv name",
                    "a CSV file: in Excel use Save As > CSV UTF-8 (Comma delimited)",
                )
            ]
        if b"\x00" in head:
            return None, [
                FileProblem(rel, None, None, "binary content (NUL bytes)", "a CSV text file")
            ]
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        if first.startswith(b"\xef\xbb\xbf"):
            first = first[3:]
        try:
            text = first.decode("utf-8")
        except UnicodeDecodeError:
            text = first.decode("cp1252", errors="replace")
        header = next(csv.reader([text]), [])
        header = [h.strip() for h in header]
        expected = list(extract.column_names)
        problems: list[FileProblem] = []
        missing = [c for c in expected if c not in header]
        extra = [(i, h) for i, h in enumerate(header) if h not in expected]
        if missing:
            if len(missing) == 1 and len(extra) == 1 and len(header) == len(expected):
                i, found = extra[0]
                problems.append(
                    FileProblem(
                        rel,
                        1,
                        f"column {i + 1}",
                        found,
                        f"the column '{missing[0]}' (renamed? the header must match "
                        "data/README.md)",
                    )
                )
            else:
                for name in missing:
                    problems.append(
                        FileProblem(
                            rel,
                            1,
                            name or "(first column, unnamed)",
                            "(missing)",
                            f"a column named '{name}' in the header"
                            if name
                            else "an unnamed first column with the police force area",
                        )
                    )
                for i, found in extra:
                    problems.append(
                        FileProblem(
                            rel,
                            1,
                            f"column {i + 1}",
                            found,
                            "only the columns listed in data/README.md",
                        )
                    )
            return None, problems
        for i, found in extra:
            problems.append(
                FileProblem(
                    rel,
                    1,
                    f"column {i + 1}",
                    found,
                    "only the columns in data/README.md: this extra column was ignored",
                    "warning",
                )
            )
        dupes = {h for h in header if header.count(h) > 1}
        if dupes:
            return None, [
                FileProblem(rel, 1, d or "(unnamed)", "(twice)", "each column once in the header")
                for d in sorted(dupes)
            ]
        index = {name: i for i, name in enumerate(extract.column_names)}
        mapping = [_raw_name(extract, index[h]) if h in index else None for h in header]
        return mapping, problems

    def _read_raw(
        self, extract: Extract, path: Path, rel: str, mapping: list[str | None], con
    ) -> tuple[str, int, list[FileProblem]]:
        """Read a file's lines: straight into typed columns when it parses cleanly with the
        declared types (`_read_typed`), else as text into raw_<extract> (the text layer)."""
        rows = self._read_typed(extract, path, rel, mapping, con)
        if rows is not None:
            return "utf-8", rows, []
        return self._read_text(extract, path, rel, mapping, con)

    def _typed_eligible(self, extract: Extract) -> bool:
        """Extracts whose files may skip the text layer: one staged row per line and a staging
        query of their own (case outcomes give a row per category; reference lists are small)."""
        # (and whose only rule across lines is a repeated key, which `_stage` checks across files)
        return extract in EXTRACTS and self._repeat_key(extract) is not None

    def _read_typed(
        self, extract: Extract, path: Path, rel: str, mapping: list[str | None], con
    ) -> int | None:
        """Read the file straight into typed columns (the contract's dates as DATE, the rest as
        text) in a _scratch table, and return its number of data lines; None, leaving nothing
        behind, when the file does not read cleanly that way: a line the reader refuses (a value
        that is not a date, too few or too many fields, bytes that are not UTF-8, a stray quote),
        a quoted line break, a blank line, or a field the text layer would read as missing.
        Such a file is read as text instead, and every line of it is checked there.

        A date the typed reader accepts is the date the text layer's `parse_date` gives
        (tests/test_ingest_typed.py checks the hard cases); a file staged from here must also
        pass every check of its staging query, or it goes to the text layer (`_stage`)."""
        if not self._typed_eligible(extract):
            return None
        types = {c.name: TYPED_COLUMNS.get(c.type) for c in extract.columns}
        cols, texts = [], []
        for i, m in enumerate(mapping):
            name = m or f"_extra_{i}"
            kind = types.get(m) if m else None
            cols.append((name, kind or "VARCHAR"))
            if kind is None:
                texts.append(name)
        with self._scratch_lock:
            self._scratch_seq += 1
            table = f"_scratch.typed_{self._scratch_seq}"
        if extract.name in self._in_place:
            # a file that may be kept as read (`_keep_as_read`) is read into the database itself
            table = f"main.typed_{uuid.uuid4().hex[:16]}"
        columns_sql = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols) + "}"
        # blank lines looked for beside the read (a .gz file is read by DuckDB on one thread)
        blank = ThreadPoolExecutor(1, thread_name_prefix="cjsperf-blank")
        blank_lines = blank.submit(self._blank_lines_of, path)
        blank.shutdown(wait=False)
        try:
            con.execute("DROP TABLE IF EXISTS reject_errors")
            con.execute("DROP TABLE IF EXISTS reject_scans")
            # skip = 1: the header is line 1, as in the text layer; rows keep the file's order
            # (rowid), so a row's line is rowid + 2.
            con.execute(
                f"""CREATE OR REPLACE TABLE {table} AS
                SELECT * FROM read_csv($path, header = false, skip = 1, auto_detect = false,
                    delim = ',', quote = '"', escape = '"', null_padding = false,
                    dateformat = '%Y-%m-%d', force_not_null = $texts, store_rejects = true,
                    ignore_errors = true, strict_mode = true, columns = {columns_sql})""",
                {"path": str(path), "texts": texts},
            )
            (rejected,) = con.execute("SELECT count(*) FROM reject_errors").fetchall()[0]
            clean = rejected == 0 and not blank_lines.result()
            rows = 0
            if clean:
                # the text layer reads a field holding only NULL_MARK as missing, and finds a
                # quoted line break (the one-thread reader of a .gz file accepts it, and the
                # lines after it would be numbered wrong here); in the same pass, the
                # fingerprint of each block of lines (line_blocks; also what the staged rows of a
                # file kept as read must give, `_keep_as_read`)
                marked = (
                    " OR ".join(
                        f'"{c}" = $mark OR contains("{c}", chr(10)) OR contains("{c}", chr(13))'
                        for c in texts
                    )
                    or "false"
                )
                fields = ", ".join(
                    f'"{_raw_name(extract, i)}"' for i in range(len(extract.columns))
                )
                con.execute(
                    f"""CREATE OR REPLACE TABLE {self._blocks_table(table)} AS
                    SELECT (rowid + 2) // {BLOCK_LINES} AS block,
                        bit_xor(hash(rowid + 2, {fields}, {len(mapping)})) AS h,
                        count(*) AS n, count(*) FILTER (WHERE {marked}) AS marked
                    FROM {table} GROUP BY 1""",
                    {"mark": NULL_MARK} if texts else {},
                )
                (rows, n) = con.execute(
                    f"SELECT coalesce(sum(n), 0), coalesce(sum(marked), 0) "
                    f"FROM {self._blocks_table(table)}"
                ).fetchall()[0]
                clean = n == 0
        except READ_ERRORS:
            clean, rows = False, 0
        if not clean or rows == 0:
            self._drop_scratch(table, con)
            return None
        self._typed[(extract.name, rel)] = table
        return rows

    @staticmethod
    def _blocks_table(table: str) -> str:
        """The _scratch table of a typed file's block fingerprints (see `_read_typed`)."""
        return "_scratch.blocks_" + table.split(".typed_", 1)[1]

    def _drop_scratch(self, table: str, con=None) -> None:
        """Drop a typed file's _scratch tables: its lines and its block fingerprints."""
        con = con or self.con
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {self._blocks_table(table)}")

    def _read_text(
        self, extract: Extract, path: Path, rel: str, mapping: list[str | None], con
    ) -> tuple[str, int, list[FileProblem]]:
        file_cols = [m or f"_extra_{i}" for i, m in enumerate(mapping)]
        file_cols += [f"_overflow_{i}" for i in range(OVERFLOW_COLUMNS)]
        columns_sql = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in file_cols) + "}"
        contract = [_raw_name(extract, i) for i in range(len(extract.columns))]
        field_list = ", ".join(f'"{c}"' for c in file_cols)
        select_cols = ", ".join(f'"{c}"' for c in contract)
        table = f"raw_{extract.name}"
        # Fields on the line. The reader pads missing ones with NULL and nothing else is NULL, so a
        # line with its last header field and no spare one has exactly the header's count: only
        # other lines are counted (a lambda on every row cost about 15% of the read).
        last, spare = f'"{file_cols[len(mapping) - 1]}"', f'"{file_cols[len(mapping)]}"'
        fields_sql = (
            f"CASE WHEN {last} IS NOT NULL AND {spare} IS NULL THEN {len(mapping)} "
            f"ELSE len(list_filter([{field_list}], lambda x: x IS NOT NULL)) END"
            if OVERFLOW_COLUMNS
            else f"len(list_filter([{field_list}], lambda x: x IS NOT NULL))"
        )

        def attempt(source: Path) -> list[tuple]:
            con.execute("DROP TABLE IF EXISTS reject_errors")
            con.execute("DROP TABLE IF EXISTS reject_scans")
            con.execute(
                f"""INSERT INTO {table} (file, line, {select_cols}, _fields)
                SELECT $rel, line, {select_cols}, _fields FROM (
                    SELECT row_number() OVER () AS line, *, {fields_sql} AS _fields
                    FROM read_csv($path, header = false, auto_detect = false, delim = ',',
                        quote = '"', escape = '"', null_padding = true, nullstr = $nullmark,
                        store_rejects = true, ignore_errors = true,
                        strict_mode = false, columns = {columns_sql})
                ) WHERE line > 1""",
                {"rel": rel, "path": str(source), "nullmark": NULL_MARK},
            )
            return con.execute(
                "SELECT line, column_idx, error_type::VARCHAR, csv_line, error_message "
                "FROM reject_errors ORDER BY line"
            ).fetchall()

        with tempfile.TemporaryDirectory() as tmp:
            joined: JoinedRecords | None = None
            source = path
            try:
                rejects = attempt(path)
                # A quote the reader found open at a line's end: the lines up to its closing
                # quote (or the end of the file) were read as one record.
                (joins,) = con.execute(
                    f"SELECT count(*) FROM {table} WHERE file = ? AND ("
                    + " OR ".join(
                        f'contains("{c}", chr(10)) OR contains("{c}", chr(13))' for c in contract
                    )
                    + ")",
                    [rel],
                ).fetchall()[0]
                if joins:
                    raise _JoinedLines
            except (duckdb.Error, _JoinedLines) as exc:
                if not isinstance(exc, _JoinedLines) and not any(
                    m in str(exc) for m in ("quoted new lines", "field larger than field limit")
                ):
                    raise
                # A quoted field holds a line break, which DuckDB's parallel reader refuses for
                # the whole file (and a quote left open makes a field too long to read). Read a
                # copy where each such record is one line, and each quote left open by mistake
                # closed, then give every row its physical line and reject the broken records
                # (staging, from raw_breaks).
                con.execute(f"DELETE FROM {table} WHERE file = ?", [rel])
                joined = join_broken_records(path, Path(tmp) / "joined.csv")
                source = joined.path
                rejects = [(joined.physical[r[0] - 1], *r[1:]) for r in attempt(source)]
            return self._after_read(
                extract, path, source, rel, mapping, con, rejects, joined, attempt, file_cols
            )

    def _after_read(
        self, extract, path, source, rel, mapping, con, rejects, joined, attempt, file_cols
    ) -> tuple[str, int, list[FileProblem]]:
        """Reread as Windows-1252 if need be, report the lines the reader refused, and give the
        rows their physical line numbers."""
        problems: list[FileProblem] = []
        table = f"raw_{extract.name}"
        encoding = "utf-8"
        if any(r[2] == "INVALID ENCODING" for r in rejects):
            # Most often an Excel export in Windows-1252: decode the lines that are not UTF-8 as
            # that (a £ is byte A3, a curly quote 92), and the others as UTF-8, into a UTF-8 copy
            # with the same lines, and read the copy. (A line break is byte 0A in both.)
            con.execute(f"DELETE FROM {table} WHERE file = ?", [rel])
            first_bad = min(r[0] for r in rejects if r[2] == "INVALID ENCODING")
            opener = gzip.open if is_gzip_name(source) else open
            with opener(source, "rb") as fh:
                data = fh.read()
            decoded, utf8_lines, cp1252_lines = [], 0, 0
            for raw in re.split(rb"(?<=\n)", data):
                try:
                    decoded.append(raw.decode("utf-8"))
                    utf8_lines += not raw.isascii()
                except UnicodeDecodeError:
                    decoded.append(raw.decode("cp1252", errors="replace"))
                    cp1252_lines += 1
            text = "".join(decoded)
            encoding = (
                f"utf-8, windows-1252 on {cp1252_lines} line{'s' if cp1252_lines > 1 else ''}"
                if utf8_lines
                else "windows-1252"
            )
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "utf8.csv"
                copy.write_text(text, encoding="utf-8", newline="")
                rejects = attempt(copy)
            if joined is not None:
                rejects = [(joined.physical[r[0] - 1], *r[1:]) for r in rejects]
            problems.append(
                FileProblem(
                    rel,
                    first_bad,
                    None,
                    "bytes that are not UTF-8 (first at this line)",
                    (
                        "UTF-8 text; read as Windows-1252 (an Excel export), so £ and accents "
                        "load: check them, or save as CSV UTF-8"
                        if not utf8_lines
                        else f"UTF-8 text; {cp1252_lines} line{'s' if cp1252_lines > 1 else ''} "
                        "read as Windows-1252 (an Excel export), the rest as UTF-8, so £ and "
                        "accents load: check them, or save as CSV UTF-8"
                    ),
                    "warning",
                )
            )
        skipped = sorted({int(r[0]) for r in rejects})
        for line, col_idx, etype, csv_line, message in rejects:
            col = file_cols[col_idx] if col_idx is not None and col_idx < len(file_cols) else None
            problems.append(
                FileProblem(
                    rel,
                    int(line),
                    col,
                    (csv_line or "")[:200],
                    f"a well-formed CSV line ({etype.lower()}: {message.splitlines()[0]})",
                )
            )
        skipped += joined.skipped if joined is not None else self._blank_lines_of(path)
        if skipped:
            self._renumber(con, table, rel, sorted(set(skipped)))
        if joined is not None:
            self._record_breaks(extract, con, table, rel, mapping, joined)
        rows_read = con.execute(f"SELECT count(*) FROM {table} WHERE file = ?", [rel]).fetchone()[0]
        return encoding, rows_read, problems

    @staticmethod
    def _record_breaks(extract, con, table, rel, mapping, joined: JoinedRecords) -> None:
        """Put the line breaks back into the values of the broken records, and note each
        record in raw_breaks (staging rejects it there)."""
        names = {_raw_name(extract, i): c.name for i, c in enumerate(extract.columns)}
        rows = []
        for line, _end, index, value, expected in joined.breaks:
            raw = mapping[index] if index < len(mapping) else None
            column = (names[raw] or "(first column)") if raw else f"column {index + 1}"
            if raw:
                con.execute(
                    f'UPDATE {table} SET "{raw}" = replace("{raw}", $mark, chr(10)) '
                    "WHERE file = $rel AND line = $line",
                    {"mark": LINE_BREAK_MARK, "rel": rel, "line": line},
                )
            rows.append(
                (
                    extract.name,
                    rel,
                    line,
                    column,
                    value[:200],
                    expected,
                )
            )
        con.executemany("INSERT INTO raw_breaks VALUES (?, ?, ?, ?, ?, ?)", rows)

    def _blank_lines_of(self, path: Path) -> list[int]:
        """`_blank_lines`, looked for once in each version of a file: a file the typed read turns
        down is read again as text, which needs them too (a .csv.gz is not decompressed twice)."""
        try:
            stat = path.stat()
        except OSError:
            return self._blank_lines(path)
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._kept_lock:
            if key in self._blanks:
                return self._blanks[key]
        found = self._blank_lines(path)
        with self._kept_lock:  # the last few files' only
            self._blanks[key] = found
            while len(self._blanks) > 8:
                self._blanks.popitem(last=False)
        return found

    @staticmethod
    def _blank_lines(path: Path) -> list[int]:
        """Physical numbers of blank lines, which the CSV reader skips (in a .csv.gz file too:
        the rows after one would otherwise be given the line before theirs)."""
        if is_gzip_name(path):
            if not _gz_has_blank_line(path):
                return []
            try:
                with gzip.open(path, "rb") as fh:
                    data = fh.read()
            except (OSError, EOFError, zlib.error) as exc:
                # Not whole gzip (DuckDB may read on through damage, losing lines without a
                # word): the file is refused, saying so.
                raise GzipBroken(isinstance(exc, EOFError)) from exc
        else:
            data = path.read_bytes()
        if b"\n\n" not in data and b"\n\r\n" not in data:
            return []
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        # Only truly empty lines: the reader keeps a line of spaces as a row (and reports it).
        return [i + 1 for i, line in enumerate(lines) if line in (b"", b"\r")]

    def _renumber(self, con, table: str, rel: str, skipped: list[int]) -> None:
        """Give rows their physical line numbers where the reader skipped some lines."""
        # fetchall, not fetchone: DuckDB refuses register() while a result is still unfinished.
        rows = con.execute(f"SELECT max(line) FROM {table} WHERE file = ?", [rel]).fetchall()
        n = rows[0][0]
        if not n:
            return
        physical, skip, line = [], set(skipped), 0
        while len(physical) < n:
            line += 1
            if line not in skip:
                physical.append(line)
        df = pd.DataFrame({"logical": range(1, n + 1), "physical": physical})
        con.register("_renumber", df)
        con.execute(
            f"UPDATE {table} SET line = m.physical FROM _renumber m "
            f"WHERE {table}.file = ? AND {table}.line = m.logical",
            [rel],
        )
        con.unregister("_renumber")

    # ---------------------------------------------------------------- references
    def _load_references(self) -> None:
        """Read and check every file of data/reference/ like an extract (file, line, column),
        each by queries/staging/reference_<name>.sql into ref_<name>; fill `vocab`."""
        con = self.con
        con.execute("DELETE FROM file_problems WHERE extract = 'reference'")
        con.execute("DELETE FROM row_problems WHERE extract = 'reference'")
        con.execute("DELETE FROM refused_keys")
        vocab = [(kind, v) for kind, values in FIXED_VOCABULARIES.items() for v in values]
        vocab += [("crime_type", f) for f in FLAGS]
        vocab += registry_vocabulary()
        con.execute("CREATE OR REPLACE TABLE vocab (kind VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO vocab VALUES (?, ?)", vocab)
        adds = {
            "offence_categories": "SELECT 'offence_category', offence_category "
            "FROM ref_offence_categories UNION ALL "
            "SELECT 'crime_type', offence_category FROM ref_offence_categories",
            "force_areas": "SELECT 'force_area', force_area FROM ref_force_areas",
            "court_centres": "SELECT 'court_centre', court_centre FROM ref_court_centres",
            # events may name any key the registry file gives, so that a measure refused for
            # its own fault is not reported again on every event that names it
            "measures": "SELECT DISTINCT 'measure', trim(key) FROM raw_reference_measures "
            "WHERE coalesce(trim(key), '') <> ''",
        }
        for ref in REFERENCE_FILES:
            short = ref.name.removeprefix("reference_")
            self._load_reference(ref, short)
            if short in adds:
                con.execute("INSERT INTO vocab " + adds[short])
            if short in LIST_REFERENCES:
                key = _raw_name(ref, 0)  # each list's key is its first column
                con.execute(
                    f"""INSERT INTO refused_keys
                    SELECT file, value, line, format($said, file, line) FROM (
                        SELECT r.file, trim(r."{key}") AS value, min(r.line) AS line
                        FROM raw_{ref.name} r
                        SEMI JOIN row_problems p ON p.extract = 'reference' AND p.file = r.file
                            AND p.line = r.line AND p.severity = 'error'
                        WHERE coalesce(trim(r."{key}"), '') <> ''
                          AND trim(r."{key}") NOT IN (SELECT "{key}" FROM ref_{short})
                        GROUP BY ALL)""",
                    {"said": REFUSED_REFERENCE_LINE},
                )

    def _load_reference(self, ref: Extract, short: str) -> None:
        con = self.con
        rel = ref.glob
        path = self.data_dir / rel
        con.execute(f"DELETE FROM raw_{ref.name}")
        con.execute("DELETE FROM raw_breaks WHERE extract = ?", [ref.name])
        width = len(ref.columns)
        problems: list[FileProblem] = []
        if not path.exists():
            problems.append(
                FileProblem(
                    rel,
                    None,
                    None,
                    "(missing)",
                    "this reference list, with header " + ",".join(ref.column_names),
                )
            )
        else:
            mapping, problems = self._check_file(ref, path, rel)
            if mapping is not None and not any(p.severity == "error" for p in problems):
                width = len(mapping)
                try:
                    problems += self._read_raw(ref, path, rel, mapping, con)[2]
                except READ_ERRORS as exc:
                    con.execute(f"DELETE FROM raw_{ref.name}")
                    problems.append(read_failure(path, rel, exc, "a CSV file"))
        self._record_file_problems(con, "reference", problems)
        sql = (STAGING_DIR / f"{ref.name}.sql").read_text().strip().rstrip(";")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _ref AS
            SELECT * REPLACE (CASE WHEN _fields <> {int(width)} THEN list_prepend(
                problem('(whole line)', _fields::VARCHAR || ' fields',
                        '{int(width)} fields as in the header'), problems)
                ELSE problems END AS problems)
            FROM ({sql})"""
        )
        raw_cols = [_raw_name(ref, i) for i in range(len(ref.columns))]
        record = "concat_ws(',', " + ", ".join(f"coalesce(r.\"{c}\", '')" for c in raw_cols) + ")"
        con.execute(
            f"""INSERT INTO row_problems
            SELECT 'reference', c.file, c.line, p.column, p.value, p.expected, p.severity, {record}
            FROM (SELECT file, line, unnest(problems) AS p FROM _ref) c
            JOIN raw_{ref.name} r ON r.file = c.file AND r.line = c.line
            ANTI JOIN (SELECT file, line FROM raw_breaks WHERE extract = $name) b
                ON b.file = c.file AND b.line = c.line
            UNION ALL
            SELECT 'reference', b.file, b.line, b."column", b.value, b.expected, 'error', {record}
            FROM raw_breaks b JOIN raw_{ref.name} r ON r.file = b.file AND r.line = b.line
            WHERE b.extract = $name""",
            {"name": ref.name},
        )
        position = ", row_number() OVER (ORDER BY line)::INTEGER AS position"
        con.execute(
            f"""CREATE OR REPLACE TABLE ref_{short} AS
            SELECT * EXCLUDE (file, line, _fields, problems)
                {position if short == "measures" else ""}
            FROM _ref c
            WHERE len(list_filter(problems, lambda p: p.severity = 'error')) = 0
              AND NOT EXISTS (SELECT 1 FROM raw_breaks b
                              WHERE b.extract = $name AND b.file = c.file AND b.line = c.line)
            ORDER BY line""",
            {"name": ref.name},
        )
        con.execute("DROP TABLE _ref")

    def _record_file_problems(self, con, extract: str, problems: list[FileProblem]) -> None:
        """Store problems with whole files: the one place they are written, so no message shows
        where the server keeps its files. The data folder's absolute path becomes the path
        relative to it, as files are named everywhere; any other absolute path (a working copy
        of a file, in the message of the reader) becomes "(a path on the server)"."""
        root = str(self.data_dir)

        def plain(text: str | None, message: bool) -> str | None:
            if text is None:
                return None
            text = text.replace(root + os.sep, "").replace(root, "the data folder")
            return _ABSOLUTE_PATH.sub("(a path on the server)", text) if message else text

        rows = [
            (extract, p.file, p.line, p.column, plain(p.value, False), plain(p.expected, True),
             p.severity)
            for p in problems
        ]  # fmt: skip
        if rows:
            con.executemany("INSERT INTO file_problems VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    # ---------------------------------------------------------------- staging
    def _anchor_dates(self, extract: Extract, typed: dict[str, str] | None = None) -> None:
        """Fill date_anchors for `extract`: per file, the end of the period its name gives
        (tasks_2017-18.csv.gz: 2018-03-31), else the end of the latest month holding at least 1%
        of the extract's rows and at least 2 of them. No single row can move either, so a typo of
        2081 for 2018 is judged against the extract's own period, not against itself.

        The rows are every line of the text layer, of the files read into typed columns this sync
        (`typed`: file → _scratch table), and of the other typed files (all of whose lines are
        staged, so stg_<extract> holds them)."""
        con = self.con
        typed = typed or {}
        col = next(c for c in extract.columns if c.name == extract.period_column)
        parse = (
            f"parse_date({col.name})"
            if col.type == "date"
            else f"try_strptime(trim({col.name}), '%Y-%m')::DATE"
        )
        con.execute("DELETE FROM date_anchors WHERE extract = ?", [extract.name])
        # When every file's name gives its period, the share of rows per month is not needed:
        # skip reading every row's date.
        (unnamed,) = con.execute(
            "SELECT count(*) FROM load_files WHERE extract = ? AND period_end IS NULL",
            [extract.name],
        ).fetchall()[0]
        share = (
            "SELECT NULL::DATE AS d"
            if unnamed == 0
            else """SELECT last_day(max(m)) AS d FROM months
                WHERE n >= greatest(2, 0.01 * (SELECT sum(n) FROM months))"""
        )
        sources = [f"SELECT {parse} AS d FROM raw_{extract.name}"]
        sources += [f"SELECT {parse} AS d FROM {t}" for t in typed.values()]
        staged = sorted(self._typed_files(extract) - set(typed))
        if staged:  # typed files not read this sync: all their lines are staged
            sources.append(
                f"""SELECT {extract.period_column} AS d FROM stg_{extract.name}
                WHERE file IN (SELECT unnest($staged::VARCHAR[]))"""
            )
        con.execute(
            f"""INSERT INTO date_anchors
            WITH months AS (
                SELECT date_trunc('month', d) AS m, count(*) AS n
                FROM ({" UNION ALL ".join(sources)}) WHERE d IS NOT NULL GROUP BY 1
            ),
            share AS ({share})
            SELECT $name, f.file, coalesce(f.period_end, s.d, current_date),
                CASE WHEN f.period_end IS NOT NULL THEN 'the end of the period its name gives'
                     WHEN s.d IS NOT NULL THEN 'the end of the latest month holding at least 1% '
                         || 'of the {col.name} dates'
                     ELSE 'today' END
            FROM load_files f, share s
            WHERE f.extract = $name""",
            {"name": extract.name, **({"staged": staged} if staged else {})},
        )

    def _anchors(self, extract: Extract) -> dict[str, date]:
        return dict(
            self.con.execute(
                "SELECT file, anchor FROM date_anchors WHERE extract = ?", [extract.name]
            ).fetchall()
        )

    def _typed_files(self, extract: Extract) -> set[str]:
        """Files of `extract` whose lines are all staged without a problem and share no key with
        a line of another file: they have no text layer (see `_stage`)."""
        rows = self.con.execute(
            "SELECT file FROM load_files WHERE extract = ? AND layer = 'typed'", [extract.name]
        ).fetchall()
        return {f for (f,) in rows}

    def _reread_typed(self, extract: Extract, rels: Iterable[str]) -> None:
        """Read again, into typed columns, typed files whose lines must be staged again though the
        files did not change (a reference list or a date anchor changed, or a sync stopped)."""
        for rel in sorted(rels):
            if (extract.name, rel) in self._typed:
                continue
            path = self.data_dir / rel
            mapping = None
            with contextlib.suppress(OSError):
                mapping, _ = self._check_file(extract, path, rel)
            if mapping is None or self._read_typed(extract, path, rel, mapping, self.con) is None:
                self._to_text(extract, rel, mapping)

    def _to_text(self, extract: Extract, rel: str, mapping=None) -> None:
        """Give a typed file its text layer: read it as text into raw_<extract>, so that it is
        staged (and its problems reported) like any other file."""
        con = self.con
        table = self._typed.pop((extract.name, rel), None)
        if table is not None:
            self._drop_scratch(table)
        path = self.data_dir / rel
        con.execute(f"DELETE FROM raw_{extract.name} WHERE file = ?", [rel])
        con.execute("DELETE FROM raw_breaks WHERE file = ?", [rel])
        try:
            if mapping is None:
                mapping, _ = self._check_file(extract, path, rel)
            if mapping is None:
                raise OSError(f"{rel} no longer reads as it did")
            encoding, rows, problems = self._read_text(extract, path, rel, mapping, con)
        except READ_ERRORS:
            # The file changed under this sync: forget its rows; the next sync reads it anew.
            con.execute(f"DELETE FROM raw_{extract.name} WHERE file = ?", [rel])
            con.execute(
                "UPDATE load_files SET mtime_ns = -1, layer = 'text', rows_read = 0 "
                "WHERE extract = ? AND file = ?",
                [extract.name, rel],
            )
            return
        con.execute(
            "UPDATE load_files SET layer = 'text', encoding = ?, rows_read = ? "
            "WHERE extract = ? AND file = ?",
            [encoding, rows, extract.name, rel],
        )
        self._record_file_problems(con, extract.name, problems)

    def _changed_blocks(self, extract: Extract, rel: str, table: str) -> list[int] | None:
        """The blocks of lines (line // BLOCK_LINES) of a typed file read again whose fingerprint
        differs from the one stored when its old lines were staged (line_blocks), including
        blocks only one of the two has; None when none was stored (its old lines were not all
        staged as they were, from a typed read) or when most blocks changed."""
        (stored,) = self.con.execute(
            "SELECT count(*) FROM line_blocks WHERE extract = ? AND file = ?", [extract.name, rel]
        ).fetchall()[0]
        if not stored:
            return None
        new = self._blocks_table(table)
        rows = self.con.execute(
            f"""SELECT coalesce(n.block, o.block) AS block
            FROM {new} n
            FULL JOIN (SELECT block, h FROM line_blocks WHERE extract = $e AND file = $f) o
                ON o.block = n.block
            WHERE n.h IS DISTINCT FROM o.h ORDER BY 1""",
            {"e": extract.name, "f": rel},
        ).fetchall()
        (total,) = self.con.execute(f"SELECT count(*) FROM {new}").fetchall()[0]
        if 2 * len(rows) > max(total, stored):
            return None
        return [int(b) for (b,) in rows]

    @staticmethod
    def _in_blocks(blocks: list[int], line: str) -> str:
        """SQL: is the line numbered by `line` in one of `blocks` (integers)?"""
        if not blocks:
            return "false"
        return (
            f"list_contains([{', '.join(str(int(b)) for b in blocks)}], ({line}) // {BLOCK_LINES})"
        )

    def _typed_query(
        self,
        extract: Extract,
        typed: dict[str, str],
        sql: str,
        only: dict[str, list[int]] | None = None,
        materialize: bool = False,
    ) -> str:
        """The extract's own staging query over the files read into typed columns (`typed`: file
        → _scratch table), all of them at once and no other line: a repeat between two of them is
        reported as the text layer would, and puts the later file in the text layer. `only`:
        file → the blocks of lines to stage (those that changed); other files' lines all. Without
        the repeat rule when no key repeats among those lines (`_repeat_rule_if_needed`).
        `materialize`: the files hold at most STAGE_ROWS lines (see below)."""
        only = only or {}
        widths = dict(
            self.con.execute(
                "SELECT file, fields FROM load_files WHERE extract = ?", [extract.name]
            ).fetchall()
        )
        cols = ", ".join(f'"{_raw_name(extract, i)}"' for i in range(len(extract.columns)))
        parts = [
            f"SELECT '{rel.replace(chr(39), chr(39) * 2)}' AS file, (rowid + 2)::BIGINT AS line, "
            f"{cols}, {int(widths[rel])}::INTEGER AS _fields FROM {table}"
            + (f" WHERE {self._in_blocks(only[rel], 'rowid + 2')}" if rel in only else "")
            for rel, table in sorted(typed.items())
        ]
        lines = "(" + " UNION ALL ".join(parts) + ")"
        sql = self._repeat_rule_if_needed(extract, sql, lines)
        # The checked lines (`checked AS NOT MATERIALIZED`, which bounds the memory of a staging
        # query over the text layer: materialized, it held all 6 million tasks at scale 10) are
        # kept once when the files hold at most STAGE_ROWS lines: the repeat rule reads them
        # again. Tasks at scale 10, two syncs each way: 3.1-4.0 -> 2.4-3.0 s of CPU a file, the same
        # peak memory. (A single file of more lines is staged as the text layer's query is.)
        if materialize:
            sql = re.sub(r"\bAS NOT MATERIALIZED\b", "AS MATERIALIZED", sql)
        return re.sub(rf"\braw_{extract.name}\b", lambda _: lines, sql).strip().rstrip(";")

    def _shared_keys(
        self,
        extract: Extract,
        fast: str,
        fast_files: set[str],
        typed_files: set[str],
        across: bool = False,
        kept: dict[str, list[int]] | None = None,
    ) -> set[str]:
        """Typed files (staged this sync, or unchanged) holding a key that a line of another file
        holds too: the repeat rule then decides between lines of several files, so those files go
        to the text layer. `kept`: files of which only some blocks of lines are staged again
        (file → those blocks): their other lines, still staged, count as another file's."""
        keys = self._repeat_keys(extract)
        if keys is None or not fast_files:
            return set()
        raw_key, stg_key = keys
        fast = fast.format(key=stg_key)
        unchanged = sorted(typed_files - fast_files)
        others = f"SELECT file, {raw_key} AS k FROM raw_{extract.name}"
        if unchanged:  # their lines are all staged
            others += f"""
            UNION ALL SELECT file, {stg_key} AS k FROM stg_{extract.name}
            WHERE file IN (SELECT unnest($unchanged::VARCHAR[]))"""
        params: dict = {"unchanged": unchanged} if unchanged else {}
        for i, (rel, blocks) in enumerate(sorted((kept or {}).items())):
            others += f"""
            UNION ALL SELECT file, {stg_key} AS k FROM stg_{extract.name}
            WHERE file = $kept{i} AND NOT {self._in_blocks(blocks, "line")}"""
            params[f"kept{i}"] = rel
        # files staged by different queries (groups) have not met: a key in two of them
        between = (
            "UNION SELECT file, file FROM fast "
            "WHERE k IN (SELECT k FROM fast GROUP BY k HAVING count(*) > 1)"
            if across
            else ""
        )
        rows = self.con.execute(
            f"""WITH fast AS ({fast}), others AS ({others})
            SELECT DISTINCT f.file, o.file FROM fast f JOIN others o ON o.k = f.k {between}""",
            params,
        ).fetchall()
        return {f for row in rows for f in row} & (fast_files | typed_files)

    def _typed_sharing_text_keys(self, extract: Extract, files: set[str]) -> list[str]:
        """Typed files not among `files` (their lines all staged) holding a key that a line of
        one of `files` read as text (raw_<extract>) holds too."""
        keys = self._repeat_keys(extract)
        unchanged = sorted(self._typed_files(extract) - files)
        if keys is None or not unchanged:
            return []
        raw_key, stg_key = keys
        params = {"files": sorted(files), "unchanged": unchanged}
        (text_lines,) = self.con.execute(
            f"SELECT count(*) FROM raw_{extract.name} "
            "WHERE file IN (SELECT unnest($files::VARCHAR[]))",
            {"files": params["files"]},
        ).fetchall()[0]
        if not text_lines:
            return []
        rows = self.con.execute(
            f"""SELECT DISTINCT file FROM stg_{extract.name}
            WHERE file IN (SELECT unnest($unchanged::VARCHAR[]))
              AND {stg_key} IN (SELECT {raw_key} FROM raw_{extract.name}
                                WHERE file IN (SELECT unnest($files::VARCHAR[])))
            ORDER BY file""",
            params,
        ).fetchall()
        return [f for (f,) in rows]

    def _drop_typed_rows(self, table: str, keep: set[str], typed: dict[str, str]) -> None:
        """Take the rows of typed files that went to the text layer out of `table`."""
        if len(keep) < len(typed):
            self.con.execute(
                f"DELETE FROM {table} WHERE file NOT IN (SELECT unnest($keep::VARCHAR[]))",
                {"keep": sorted(keep)},
            )

    def _stage(self, extract: Extract) -> None:
        """Stage `extract`: its files read into typed columns each on its own, the rest from the
        text layer; drop what this sync left in _scratch."""
        try:
            self._stage_extract(extract)
            if extract is CASE_OUTCOMES:
                self._missing_forces()
            else:
                self._dated_before_period(extract)
        finally:
            for key in [k for k in dict(self._typed) if k[0] == extract.name]:
                self._drop_scratch(self._typed.pop(key))

    def _dated_before_period(self, extract: Extract) -> None:
        """A warning for each file whose name gives a period (`file_period`) holding staged rows
        dated, by the extract's period column, more than the margin of `beyond_period` (31 days)
        before it: they load (a late entry can be real, and an assessment's answers may run into
        the next year's file), but a file of another year's rows under this year's name would
        otherwise pass unseen. (Dates after the period are checked row by row.)"""
        con = self.con
        con.execute(
            "DELETE FROM file_problems WHERE extract = $e AND expected = $why",
            {"e": extract.name, "why": DATED_BEFORE_PERIOD},
        )
        files, starts = [], []
        for (rel,) in con.execute(
            "SELECT file FROM load_files WHERE extract = ? AND status = 'loaded'", [extract.name]
        ).fetchall():
            if period := file_period(Path(rel)):
                files.append(rel)
                starts.append(period[0])
        if not files:
            return
        col = extract.period_column  # an identifier of the extract's contract, never a value
        con.execute(
            f"""INSERT INTO file_problems
            SELECT $e, s.file, NULL, $col,
                format('{{:,}} of {{:,}} rows dated more than {{}} days before {{}} (the earliest {{}})',
                       count(*) FILTER (WHERE s.{col} < p.start - past_margin()), count(*),
                       past_margin(), p.start, min(s.{col})::DATE),
                $why, 'warning'
            FROM stg_{extract.name} s
            JOIN (SELECT unnest($files::VARCHAR[]) AS file, unnest($starts::DATE[]) AS start) p
                ON p.file = s.file
            GROUP BY s.file, p.start
            HAVING min(s.{col}) < p.start - past_margin()
            ORDER BY s.file""",
            {"e": extract.name, "col": col, "why": DATED_BEFORE_PERIOD, "files": files,
             "starts": starts},
        )  # fmt: skip

    def _missing_forces(self) -> None:
        """A warning for each police force with no line at all in a loaded case outcomes file
        that has fewer force lines than there are forces: nothing is rejected, but the month's
        Area and National totals lack that force. (A force whose line is there but refused, or
        misspelt, is an error of that line already.)"""
        con = self.con
        con.execute(
            "DELETE FROM file_problems WHERE extract = $e AND expected = $why",
            {"e": CASE_OUTCOMES.name, "why": MISSING_FORCE},
        )
        con.execute(
            f"""INSERT INTO file_problems
            SELECT $e, f.file, NULL, '(first column)', r.force_area, $why, 'warning'
            FROM load_files f CROSS JOIN ref_force_areas r
            WHERE f.extract = $e AND f.status = 'loaded'
              AND NOT EXISTS (SELECT 1 FROM raw_{CASE_OUTCOMES.name} x
                              WHERE x.file = f.file AND trim(x.c0) = r.force_area)
              -- fewer force lines than forces: a line whose force is misspelt is an error of
              -- its own, which names it
              AND (SELECT count(*) FROM raw_{CASE_OUTCOMES.name} x
                   WHERE x.file = f.file AND trim(x.c0) <> 'National')
                  < (SELECT count(*) FROM ref_force_areas)
            ORDER BY f.file, r.force_area""",
            {"e": CASE_OUTCOMES.name, "why": MISSING_FORCE},
        )

    # ---------------------------------------------------------------- files kept as read
    # A file read into typed columns whose every line its staging query passes unchanged (no
    # problem, every value as read) and whose keys no other file holds is not written a second
    # time: the table it was read into is kept, and stg_<extract> is a view over the kept tables
    # and the table of the extract's other staged rows (`_staged_table`). Writing 6 million
    # staged tasks to the database file took 2.0-2.4 s of a cold ingest at scale 10; checking
    # them by a query that writes nothing takes 2.0-2.4 s in a sync, against 5.5-7.0 s before
    # for staging them (which also checked them).
    def _as_read_columns(self, extract: Extract) -> list[str] | None:
        """The columns of stg_<extract>, in order, when its files may be kept as read: its
        staging query gives (besides `problems` and `_fields`) the file, the line and each of the
        contract's columns under its raw name with the type the typed read gives it. None when it
        renames or casts a value (or cannot be planned yet: asked again next sync)."""
        name = extract.name
        if name in self._as_read_cols:
            return self._as_read_cols[name]
        if not self._typed_eligible(extract):
            return None
        sql = (STAGING_DIR / f"{name}.sql").read_text().strip().rstrip(";")
        try:
            described = self.con.execute(f"DESCRIBE {sql}").fetchall()
        except duckdb.Error:
            return None
        got = {r[0]: r[1] for r in described if r[0] not in ("problems", "_fields")}
        want = {"file": "VARCHAR", "line": "BIGINT"} | {
            _raw_name(extract, i): TYPED_COLUMNS.get(c.type, "VARCHAR")
            for i, c in enumerate(extract.columns)
        }
        self._as_read_cols[name] = list(got) if got == want else None
        return self._as_read_cols[name]

    def _groups(self, typed: dict[str, str], limit: int) -> tuple[list[dict[str, str]], list[int]]:
        """Typed files (file → table) in path order, in groups of at most `limit` lines (a file of
        more is a group of its own), with each group's lines."""
        groups: list[dict[str, str]] = [{}]
        sizes = [0]
        for rel, table in sorted(typed.items()):
            (n,) = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            if groups[-1] and sizes[-1] + n > limit:
                groups.append({})
                sizes.append(0)
            groups[-1][rel] = table
            sizes[-1] += n
        return groups, sizes

    def _staged_table(self, extract: Extract) -> str:
        """The table of the extract's staged rows: stg_<extract> itself, or, when that is a view
        over files kept as read, the table of the other rows."""
        return f"_rows_{extract.name}" if self._as_read_columns(extract) else f"stg_{extract.name}"

    def _keep_as_read(self, extract: Extract, typed: dict[str, str], sql: str) -> dict[str, str]:
        """Of the files read into typed columns (`typed`: file → table), those to keep as read,
        each with its table, now in the database: every line passes the staging query with no
        problem (by one query over each group of them, writing nothing) and is staged as read (the
        staged rows' fingerprint is the read lines', `_read_typed`), and no key of theirs is
        on a line of another file (of another group, read as text, or with a problem)."""
        con = self.con
        fields = ", ".join(f'"{_raw_name(extract, i)}"' for i in range(len(extract.columns)))
        # in groups of files up to KEEP_CHECK_ROWS lines, to bound the memory one query holds
        groups, sizes = self._groups(typed, KEEP_CHECK_ROWS)
        staged = {}
        for group, size in zip(groups, sizes, strict=True):
            query = self._typed_query(extract, group, sql, materialize=size <= KEEP_CHECK_ROWS)
            for rel, bad, h in con.execute(
                f"SELECT file, count(*) FILTER (WHERE len(problems) > 0), "
                f"bit_xor(hash(line, {fields}, _fields)) FROM ({query}) GROUP BY file"
            ).fetchall():
                staged[rel] = (bad, h)
        keep = {}
        for rel, table in sorted(typed.items()):
            (h,) = con.execute(f"SELECT bit_xor(h) FROM {self._blocks_table(table)}").fetchall()[0]
            if staged.get(rel) == (0, h):
                keep[rel] = table
        # A key given twice in one group is a problem of its second line; between groups, or
        # with a line of a file not kept, it is looked for here.
        (text_lines,) = con.execute(f"SELECT count(*) FROM raw_{extract.name}").fetchall()[0]
        if keep and (text_lines or len(keep) < len(typed) or len(groups) > 1):
            key, _ = self._repeat_keys(extract)
            others = [f"SELECT {key} AS k FROM raw_{extract.name}"] + [
                f"SELECT {key} AS k FROM {t}" for rel, t in typed.items() if rel not in keep
            ]
            order = list(keep)
            group_of = {rel: i for i, group in enumerate(groups) for rel in group}
            mine = " UNION ALL ".join(
                f"SELECT {i} AS i, {group_of[rel]} AS g, {key} AS k FROM {keep[rel]}"
                for i, rel in enumerate(order)
            )
            for (i,) in con.execute(
                f"""WITH mine AS ({mine})
                SELECT i FROM mine WHERE k IN (SELECT k FROM ({" UNION ALL ".join(others)}))
                UNION SELECT unnest(list(DISTINCT i)) FROM mine GROUP BY k
                HAVING count(DISTINCT g) > 1"""
            ).fetchall():
                del keep[order[i]]
        for rel, table in keep.items():
            if not table.startswith("main."):  # read before the extract was to be staged whole
                moved = f"main.typed_{uuid.uuid4().hex[:16]}"
                con.execute(f"CREATE TABLE {moved} AS SELECT * FROM {table}")
                con.execute(
                    f"CREATE TABLE {self._blocks_table(moved)} AS "
                    f"SELECT * FROM {self._blocks_table(table)}"
                )
                self._drop_scratch(table)
                keep[rel] = moved
        return keep

    def _replace_view(
        self,
        extract: Extract,
        files: set[str] | None,
        diffs: dict[str, list[int]],
        keep: dict[str, str],
    ) -> list[str]:
        """Record the files kept as read after staging `extract` (as_read) and make stg_<extract>
        the view over them and `_staged_table`; return the tables of lines no longer kept. Staged
        whole (`files` None): the files of `keep`. Else the files kept before, less those changed
        (`files`), but for those changed only in some blocks of lines (`diffs`: file → blocks),
        which the view no longer reads from the kept table (their rows are staged again)."""
        con, name = self.con, extract.name
        cols = self._as_read_columns(extract)
        before = {
            rel: (table, skip)
            for rel, table, skip in con.execute(
                "SELECT file, tbl, skip FROM as_read WHERE extract = ?", [name]
            ).fetchall()
        }
        if files is None:
            after = {rel: (table.removeprefix("main."), []) for rel, table in keep.items()}
        else:
            after = {
                rel: (table, sorted({*skip, *diffs.get(rel, ())}))
                for rel, (table, skip) in before.items()
                if rel not in files or rel in diffs
            }
        con.execute("DELETE FROM as_read WHERE extract = ?", [name])
        for rel, (table, skip) in sorted(after.items()):
            con.execute("INSERT INTO as_read VALUES (?, ?, ?, ?)", [name, rel, table, skip])
        kept = ", ".join(f'"{c}"' for c in cols[2:])
        parts = [
            f"SELECT '{rel.replace(chr(39), chr(39) * 2)}' AS file, (rowid + 2)::BIGINT AS line, "
            f'{kept} FROM "{table}"'
            + (f" WHERE NOT {self._in_blocks(skip, 'rowid + 2')}" if skip else "")
            for rel, (table, skip) in sorted(after.items())
        ]
        parts.append(f"SELECT file, line, {kept} FROM {self._staged_table(extract)}")
        con.execute(f"CREATE OR REPLACE VIEW stg_{name} AS " + " UNION ALL ".join(parts))
        now = {table for table, _ in after.values()}
        return sorted({table for table, _ in before.values()} - now)

    def _stage_extract(self, extract: Extract) -> None:
        con = self.con
        name = extract.name
        # Only some files changed (see `_plan_extract`): stage their lines and the lines of other
        # files sharing a key with their old or new lines, unless a date anchor of another file or
        # the extract's latest one moved (then every line may judge differently: stage it whole).
        files = self._partial.pop(name, None)
        typed_files = self._typed_files(extract)
        as_read = self._as_read_columns(extract) is not None
        (kind,) = con.execute(
            "SELECT coalesce(max(table_type), '') FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = ?",
            [f"stg_{name}"],
        ).fetchall()[0]
        if files is not None and kind != ("VIEW" if as_read else "BASE TABLE"):
            files = None  # (staged by code that kept no file as read, or the other way round)
        if files is None:  # every line is staged again: typed files are read again
            self._reread_typed(extract, typed_files)
        typed = {rel: t for (e, rel), t in dict(self._typed).items() if e == name}
        before = self._anchors(extract) if files is not None else None
        if extract is not CASE_OUTCOMES:
            self._anchor_dates(extract, typed)
        if files is not None:
            after = self._anchors(extract)
            others = (set(before) | set(after)) - files
            if any(before.get(f) != after.get(f) for f in others) or max(
                before.values(), default=None
            ) != max(after.values(), default=None):
                files = None
                if self._as_read_columns(extract):
                    self._in_place.add(name)
                self._reread_typed(extract, typed_files)
                typed = {rel: t for (e, rel), t in dict(self._typed).items() if e == name}
        # A changed file whose old lines were all staged from a typed read, and whose own date
        # anchor did not move: only its blocks of lines that changed are staged again.
        diffs: dict[str, list[int]] = {}
        if files is not None:
            for rel in sorted(files & set(typed)):
                if before.get(rel) is not None and before.get(rel) == after.get(rel):
                    blocks = self._changed_blocks(extract, rel, typed[rel])
                    if blocks is not None:
                        diffs[rel] = blocks
        sql_text = (STAGING_DIR / f"{name}.sql").read_text()
        target = self._staged_table(extract)
        # Staged whole: the typed files to keep as read leave the staging below.
        kept_files: dict[str, str] = {}
        if as_read and files is None and typed:
            kept_files = self._keep_as_read(extract, typed, sql_text)
            for rel in kept_files:
                self._typed.pop((name, rel), None)
                del typed[rel]
        kept_lines = 0
        for table in kept_files.values():
            kept_lines += con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        kept_before = (
            {
                f
                for (f,) in con.execute(
                    "SELECT file FROM as_read WHERE extract = ?", [name]
                ).fetchall()
            }
            if as_read and files is not None
            else set()
        )
        # A file read into typed columns is staged on its own; with any problem, or a key that a
        # line of another file holds too, it is staged from the text layer like the rest.
        # Staged into a new table that takes the place of stg_<extract> only once it is complete, so
        # a page querying meanwhile sees the old rows or the new ones. Each row's problems are a
        # column of it until they are copied to row_problems. (A TEMP table of every checked row
        # first held all of them in memory: 1.7 GB for 6 million tasks at scale 10.)
        staged = f"_next_stg_{extract.name}"
        con.execute(f"DROP TABLE IF EXISTS {staged}")
        # The typed files are staged together, straight into the new table when the extract is
        # staged whole (no copy); a file with any problem, or a key that a line of another file
        # holds too, is taken out again and staged from the text layer like the rest.
        staged_typed: set[str] = set()
        fast_table = staged
        if files is not None:
            with self._scratch_lock:
                self._scratch_seq += 1
                fast_table = f"_scratch.staged_{self._scratch_seq}"
        if typed:
            # in groups of files up to STAGE_ROWS lines, to bound the memory one query holds
            groups, sizes = self._groups(typed, STAGE_ROWS)
            for i, group in enumerate(groups):
                # (a file of more than STAGE_ROWS lines is a group of its own)
                keep = sizes[i] <= STAGE_ROWS
                query = self._typed_query(extract, group, sql_text, diffs, materialize=keep)
                into = "CREATE OR REPLACE TABLE {} AS" if i == 0 else "INSERT INTO {} BY NAME"
                con.execute(f"{into.format(fast_table)} {query}")
            staged_typed = set(typed)
            dirty = con.execute(
                f"SELECT DISTINCT file FROM {fast_table} WHERE len(problems) > 0"
            ).fetchall()
            for (rel,) in sorted(dirty):
                staged_typed.discard(rel)
                self._to_text(extract, rel)
            unchanged = self._typed_files(extract) - set(typed) if files is not None else set()
            self._drop_typed_rows(fast_table, staged_typed, typed)
            for rel in self._shared_keys(
                extract,
                f"SELECT file, {{key}} AS k FROM {fast_table}",
                staged_typed,
                unchanged,
                across=len(groups) > 1,
                kept={r: b for r, b in diffs.items() if r in staged_typed},
            ):
                staged_typed.discard(rel)
                self._to_text(extract, rel)
                if rel in kept_before:  # its lines leave the view: all are staged from the text
                    files.add(rel)
            self._drop_typed_rows(fast_table, staged_typed, typed)
        if files is not None:
            # An unchanged typed file holding a key that a changed file's line read as text
            # holds too: the repeat rule decides between them, so it goes to the text layer (and,
            # kept as read, is staged whole: its lines leave the view).
            for rel in self._typed_sharing_text_keys(extract, files):
                self._to_text(extract, rel)
                if rel in kept_before:
                    files.add(rel)
        diffs = {r: b for r, b in diffs.items() if r in staged_typed}
        typed_lines = (
            con.execute(f"SELECT count(*) FROM {fast_table}").fetchall()[0][0] if typed else 0
        )
        text_files = None if files is None else files - set(staged_typed)
        raw = f"raw_{name}"
        if files is not None:
            key = self._repeat_key(extract)
            con.execute(
                f"""CREATE OR REPLACE TABLE _restage_{name} AS
                SELECT * FROM raw_{name}
                WHERE file IN (SELECT unnest($files::VARCHAR[]))
                   OR {key} IN (SELECT {key} FROM raw_{name}
                                WHERE file IN (SELECT unnest($files::VARCHAR[]))
                                UNION ALL SELECT k FROM _scratch._oldkeys_{name})""",
                {"files": sorted(text_files)},
            )
            raw = f"_restage_{name}"
            # lines of other files drawn in by a shared key (most often none)
            (elsewhere,) = con.execute(
                f"SELECT count(*) FROM {raw} WHERE file NOT IN (SELECT unnest($files::VARCHAR[]))",
                {"files": sorted(text_files)},
            ).fetchall()[0]
        (text_lines,) = con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0]
        self.staged_lines[name] = text_lines + typed_lines + kept_lines
        sql = re.sub(rf"\braw_{name}\b", raw, self._repeat_rule_if_needed(extract, sql_text, raw))
        n = len(extract.columns)
        # A line must have as many fields as its file's header, which may hold an extra column
        # (ignored, with a warning) on top of the contract's n.
        into = (
            f"INSERT INTO {staged} BY NAME"
            if files is None and typed
            else f"CREATE OR REPLACE TABLE {staged} AS"
        )
        con.execute(
            f"""{into}
            SELECT * EXCLUDE (_width) REPLACE (
                CASE WHEN _fields <> _width THEN list_prepend(
                    problem('(whole line)',
                            -- the reader keeps only {OVERFLOW_COLUMNS} fields beyond the header
                            CASE WHEN _fields >= _width + {OVERFLOW_COLUMNS} THEN 'at least '
                                 ELSE '' END || _fields::VARCHAR || ' fields',
                            _width::VARCHAR || ' fields as in the header'
                            || CASE WHEN _fields < _width THEN ' (the line looks truncated)'
                                    ELSE ' (an unquoted comma?)' END),
                    -- on a short line, the fields it lacks (NULL) need no message each
                    CASE WHEN _fields < _width
                         THEN list_filter(problems, lambda p: p.value IS NOT NULL)
                         ELSE problems END)
                ELSE problems END AS problems)
            FROM (SELECT s.*, coalesce(f.fields, {n}) AS _width
                  FROM ({sql.strip().rstrip(";")}) s
                  LEFT JOIN load_files f ON f.file = s.file)"""
        )
        if files is None:
            con.execute("DELETE FROM row_problems WHERE extract = ?", [name])
        else:
            con.execute(
                f"""DELETE FROM row_problems p WHERE extract = $name
                AND (file IN (SELECT unnest($files::VARCHAR[]))
                     OR ({elsewhere} > 0 AND EXISTS (SELECT 1 FROM {raw} r
                         WHERE r.file = p.file AND r.line = p.line)))""",
                {"name": name, "files": sorted(files)},
            )
        raw_cols = [_raw_name(extract, i) for i in range(n)]
        record = "concat_ws(',', " + ", ".join(f"coalesce(r.\"{c}\", '')" for c in raw_cols) + ")"
        # A value that a reference list holds on a line it refused fails the check against
        # that list (its message names the list's file): its problem points to that line.
        con.execute(
            f"""INSERT INTO row_problems
            SELECT DISTINCT ?, c.file, c.line, p.column, p.value,
                coalesce(k.expected, p.expected), p.severity, {record}
            FROM (SELECT file, line, unnest(problems) AS p FROM {staged}
                  WHERE len(problems) > 0) c
            JOIN {raw} r ON r.file = c.file AND r.line = c.line
            LEFT JOIN refused_keys k ON k.value = trim(c.p.value)
                AND contains(c.p.expected, parse_filename(k.file))
            -- a record broken over lines is reported for that alone (its values are garbled)
            ANTI JOIN (SELECT file, line FROM raw_breaks WHERE extract = ?) b
                ON b.file = c.file AND b.line = c.line""",
            [extract.name, extract.name],
        )
        con.execute(
            f"""INSERT INTO row_problems
            SELECT b.extract, b.file, b.line, b."column", b.value, b.expected, 'error', {record}
            FROM raw_breaks b
            JOIN {raw} r ON r.file = b.file AND r.line = b.line
            WHERE b.extract = ?""",
            [extract.name],
        )
        # A row with an error of its own does not load. Where a line gives several rows (case
        # outcomes: one per category), staging puts a fault of the whole line on every row of it,
        # and a fault of one cell on that cell's row only, so the line's other rows still load.
        con.execute(
            f"DELETE FROM {staged} WHERE list_bool_or([p.severity = 'error' FOR p IN problems])"
        )
        # A record broken over lines is rejected whole (its problem is in raw_breaks, not in its
        # rows' own problems).
        con.execute(
            f"""DELETE FROM {staged} c WHERE EXISTS (SELECT 1 FROM raw_breaks b
                WHERE b.extract = ? AND b.file = c.file AND b.line = c.line)""",
            [extract.name],
        )
        con.execute(f"ALTER TABLE {staged} DROP COLUMN problems")
        con.execute(f"ALTER TABLE {staged} DROP COLUMN _fields")
        # Case outcomes give several rows per line; every other extract one.
        count = (
            "SELECT count(*) FROM (SELECT DISTINCT file, line FROM {})"
            if extract is CASE_OUTCOMES
            else "SELECT count(*) FROM {}"
        )
        if files is None:
            lines = con.execute(count.format(staged)).fetchall()[0][0]
        con.execute("BEGIN TRANSACTION")  # the swap: a few milliseconds
        try:
            if files is None:
                con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS stg_{name}")
                con.execute(f"DROP TABLE IF EXISTS {target}")
                con.execute(f"ALTER TABLE {staged} RENAME TO {target}")
            else:  # the changed lines out, their new rows in
                con.execute(
                    f"DELETE FROM {target} WHERE file IN (SELECT unnest($files::VARCHAR[]))",
                    {"files": sorted(files - set(diffs))},
                )
                for rel, blocks in diffs.items():
                    con.execute(
                        f"DELETE FROM {target} WHERE file = ? AND {self._in_blocks(blocks, 'line')}",
                        [rel],
                    )
                if elsewhere:
                    con.execute(
                        f"""DELETE FROM {target} s WHERE EXISTS
                        (SELECT 1 FROM {raw} r WHERE r.file = s.file AND r.line = s.line)"""
                    )
                con.execute(f"INSERT INTO {target} SELECT * FROM {staged}")
                if typed:
                    con.execute(
                        f"INSERT INTO {target} BY NAME "
                        f"SELECT * EXCLUDE (problems, _fields) FROM {fast_table}"
                    )
                con.execute(f"DROP TABLE {staged}")
            if as_read:  # the view over the files kept as read and the other rows
                for table in self._replace_view(extract, files, diffs, kept_files):
                    con.execute(f'DROP TABLE IF EXISTS "{table}"')
            if files is not None or as_read:
                lines = con.execute(count.format(f"stg_{name}")).fetchall()[0][0]
            con.execute("INSERT OR REPLACE INTO stage_counts VALUES (?, ?)", [name, lines])
            # the fingerprints of the files whose lines are now all staged from a typed read
            con.execute(
                """DELETE FROM line_blocks WHERE extract = $name AND ($whole
                    OR file IN (SELECT unnest($files::VARCHAR[]))
                    OR file NOT IN (SELECT file FROM load_files
                                    WHERE extract = $name AND layer = 'typed'))""",
                {"name": name, "whole": files is None, "files": sorted(files or ())},
            )
            for rel, table in sorted(({r: typed[r] for r in staged_typed} | kept_files).items()):
                con.execute(
                    f"INSERT INTO line_blocks SELECT ?, ?, block, h "
                    f"FROM {self._blocks_table(table)}",
                    [name, rel],
                )
            con.execute("DELETE FROM meta WHERE key = ?", [f"dirty:{name}"])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            if fast_table != staged:
                con.execute(f"DROP TABLE IF EXISTS {fast_table}")
            for table in kept_files.values():
                con.execute(f"DROP TABLE IF EXISTS {self._blocks_table(table)}")
        if files is not None:
            con.execute(f"DROP TABLE IF EXISTS _restage_{name}")
        con.execute(f"DROP TABLE IF EXISTS _scratch._oldkeys_{name}")

    # ---------------------------------------------------------------- reporting
    def summary(self) -> pd.DataFrame:
        """Per extract: files, rows loaded and rejected, warnings, period covered, last change."""
        parts = []
        for e in EXTRACTS:
            parts.append(
                f"""SELECT '{e.name}' AS extract,
                (SELECT count(*) FROM load_files WHERE extract = '{e.name}') AS files,
                (SELECT count(*) FROM load_files WHERE extract = '{e.name}'
                    AND status <> 'loaded') AS files_not_loaded,
                coalesce((SELECT lines FROM stage_counts WHERE extract = '{e.name}'), 0)
                    AS rows_loaded,
                (SELECT count(*) FROM (SELECT DISTINCT file, line FROM row_problems
                    WHERE extract = '{e.name}' AND severity = 'error')) AS rows_rejected,
                (SELECT count(*) FROM load_problems WHERE extract = '{e.name}'
                    AND severity = 'warning') AS warnings,
                (SELECT min({e.period_column}) FROM stg_{e.name})::DATE AS first_date,
                (SELECT max({e.period_column}) FROM stg_{e.name})::DATE AS last_date,
                (SELECT max(modified) FROM load_files WHERE extract = '{e.name}')
                    AS last_changed"""
            )
        return self.sql(" UNION ALL ".join(parts))

    def problems(self) -> pd.DataFrame:
        """Every problem found, errors first, in file and line order."""
        return self.sql(
            """SELECT severity, extract, file, line, "column", value, expected, record
            FROM load_problems
            ORDER BY severity, extract, file, line NULLS FIRST, "column"
            """
        )

    # ---------------------------------------------------------------- queries
    def per_build(
        self, key: str, make: Callable[[], T], keep: Callable[[T], bool] | None = None
    ) -> T:
        """`make()`, run once for each load of the data (its version) and kept here under `key`,
        whatever happens to the pages' caches: for what only a new load can change. `keep`: kept
        only when it says so of the result (what failed is made again next time)."""
        version = self.version
        with self._kept_lock:
            if (version, key) in self._kept:
                return self._kept[(version, key)]
        found = make()
        if keep is not None and not keep(found):
            return found
        with self._kept_lock:  # only the current version's are kept
            self._kept = {k: v for k, v in self._kept.items() if k[0] == version}
            self._kept[(version, key)] = found
        return found

    def months_loaded(self, extract: str) -> tuple[str, ...]:
        """The months (YYYY-MM) that have rows in stg_<extract>, ascending (once per load)."""
        e = next(x for x in EXTRACTS if x.name == extract)  # an allow-list: never a value
        sql = (
            f"SELECT DISTINCT strftime(date_trunc('month', {e.period_column}), '%Y-%m') AS m "
            f"FROM stg_{e.name} ORDER BY 1"
        )
        return self.per_build(f"months:{extract}", lambda: tuple(self.sql(sql)["m"].tolist()))

    def forces_in(self, extract: str) -> frozenset[str] | None:
        """The police force areas (and National) stg_<extract> has rows for, once per load; None
        for an extract without them (tasks, training) or not staged."""
        e = next((x for x in EXTRACTS if x.name == extract), None)  # an allow-list: never a value
        if e is None:
            return None

        def make():
            try:
                found = self.sql(f"SELECT DISTINCT force_area FROM stg_{e.name}")
            except duckdb.Error:  # no such column, or not staged
                return None
            return frozenset(found["force_area"].dropna())

        return self.per_build(f"forces:{extract}", make)

    def area_units(self, area: str) -> frozenset[str]:
        """The units an area is made of (`in_area`): a police force area itself, "CPS <Area>" its
        forces, National its own row; none for a name the lists do not hold. Once per load."""
        return self.per_build(
            f"units:{area}",
            lambda: frozenset(
                self.sql(
                    "SELECT f FROM (SELECT force_area AS f FROM ref_force_areas "
                    "UNION ALL SELECT 'National') WHERE in_area(f, $area)",
                    {"area": area},
                )["f"]
            ),
        )

    def run_query(self, name: str, **params) -> pd.DataFrame:
        query = load_query(name)
        values = query.bind(params)
        with self._connection() as con:
            cur = con.cursor()
            try:
                return cur.execute(query.sql, values).df()
            finally:
                cur.close()

    def sql(self, sql: str, params: Iterable | dict | None = None) -> pd.DataFrame:
        """Run ad-hoc SQL on a fresh cursor (for tests, the CLI and the data quality page)."""
        with self._connection() as con:
            cur = con.cursor()
            try:
                return cur.execute(sql, params or []).df()
            finally:
                cur.close()


def open_warehouse(data_dir: Path | str | None = None, db_path=":default:") -> Warehouse:
    wh = Warehouse(data_dir, db_path)
    wh.sync()
    return wh


@dataclass
class BuildReport:
    path: Path
    build: str
    built_at: str
    replaced: bool  # False when the file was already up to date with the data folder
    seconds: float
    summary: pd.DataFrame
    problems: pd.DataFrame


def build_database(data_dir: Path | str | None = None, db_path=":default:") -> BuildReport:
    """Bring the database file up to date with the data folder, for read-only replicas.

    Works on a copy next to the file (so only what changed is read again) and renames it into
    place (`os.replace`, atomic): a reader sees the old file or the new one, never half of one.
    The build id is a hash of the staging code and every file's name, size and modification time,
    so an unchanged data folder keeps its build (and the file is left alone).
    Raises WarehouseUnavailable when the data folder cannot be read or the file cannot be written.
    """
    t0 = time.perf_counter()
    data_dir = Path(data_dir).resolve() if data_dir else default_data_dir()
    if not data_dir.is_dir():
        raise WarehouseUnavailable(f"No data folder at {data_dir}")
    try:
        next(data_dir.iterdir(), None)
    except OSError as exc:
        raise WarehouseUnavailable(f"Cannot read the data folder {data_dir}: {exc}") from exc
    target = Path(default_db_path(data_dir) if db_path == ":default:" else db_path).resolve()
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    wal = Path(f"{tmp}.wal")
    try:
        for p in (tmp, wal):
            p.unlink(missing_ok=True)
        if target.is_file():
            shutil.copyfile(target, tmp)
        wh = Warehouse(data_dir, db_path=tmp)
        if wh.db_path is None:
            raise WarehouseUnavailable(wh.notice or f"Cannot write {tmp}")
        try:
            row = wh.con.execute("SELECT value FROM meta WHERE key = 'build'").fetchone()
            before = row[0] if row else None
            wh.sync()
            (code,) = wh.con.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
            build = hashlib.sha1(f"{code}|{wh.version}".encode()).hexdigest()[:12]
            replaced = build != before or not target.is_file()
            if replaced:
                built_at = datetime.now(UTC).isoformat(timespec="seconds")
                wh.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('build', ?), ('built_at', ?)",
                    [build, built_at],
                )
            else:
                (built_at,) = wh.con.execute(
                    "SELECT value FROM meta WHERE key = 'built_at'"
                ).fetchone()
            summary, problems = wh.summary(), wh.problems()
            wh.con.execute("CHECKPOINT")
        finally:
            wh.close()
        if replaced:
            with open(tmp, "rb+") as fh:  # on disk before the name points at it
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        return BuildReport(
            target, build, built_at, replaced, time.perf_counter() - t0, summary, problems
        )
    except (OSError, duckdb.Error) as exc:
        raise WarehouseUnavailable(f"Could not build {target}: {exc}") from exc
    finally:
        for p in (tmp, wal):
            p.unlink(missing_ok=True)
