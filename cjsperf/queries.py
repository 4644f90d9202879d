"""The query files in `queries/`: one result per file, described by its header comment.

A query file starts with comment lines:

    -- <what it returns, one sentence>
    -- grain: one row per month
    -- param area: CPS West Midlands | a police force area, "CPS <Area>" or National
    -- returns: month, convictions, unsuccessful, conviction_rate

Each `param NAME: DEFAULT | description` becomes a DuckDB parameter `$NAME`. Values reach SQL only
as parameters; a name the file does not declare is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
SHARED_DIR = QUERIES_DIR / "shared"  # macros the queries share
DERIVED_DIR = QUERIES_DIR / "derived"  # tables made from the staged rows, for the queries


class QueryError(ValueError):
    """A query name or parameter that does not exist."""


@dataclass(frozen=True)
class Param:
    name: str
    default: str
    description: str


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    summary: str
    grain: str
    returns: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names `-- returns:` declares, in order: 'month (YYYY-MM), convictions,
        conviction_rate (% to one decimal, half-up)' → ('month', 'convictions', 'conviction_rate').
        A note in brackets may hold commas; 'a and b (note)' names two columns."""
        return returned_columns(self.returns)

    def bind(self, values: dict) -> dict[str, str]:
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            raise QueryError(
                f"{self.name} has no parameter {', '.join(unknown)}; "
                f"it takes {', '.join(sorted(known)) or 'none'}"
            )
        return {p.name: str(values.get(p.name, p.default)) for p in self.params}


def returned_columns(returns: str) -> tuple[str, ...]:
    """Column names from a `-- returns:` line (see `Query.columns`)."""
    parts, depth, current = [], 0, []
    for ch in returns:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if ch == ",":
                parts.append("".join(current))
                current = []
            else:
                current.append(ch)
    parts.append("".join(current))
    names = []
    for part in parts:
        for name in re.split(r"\s+and\s+", part.strip()):
            if re.fullmatch(r"[A-Za-z_]\w*", name.strip()):
                names.append(name.strip())
    return tuple(names)


def parse_query(name: str, text: str) -> Query:
    summary, grain, returns, params = "", "", "", []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        body = line[2:].strip()
        if m := re.fullmatch(r"param (\w+):\s*(.*?)\s*(?:\|\s*(.*))?", body):
            params.append(Param(m.group(1), m.group(2), m.group(3) or ""))
        elif body.startswith("grain:"):
            grain = body[6:].strip()
        elif body.startswith("returns:"):
            returns = body[8:].strip()
        elif not summary:
            summary = body
    used = set(re.findall(r"\$(\w+)", text))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(
            f"queries/{name}.sql: parameters used {sorted(used)} differ from those declared "
            f"{sorted(declared)}"
        )
    return Query(name, text, summary, grain, returns, tuple(params))


@cache
def _load(path: Path, mtime_ns: int) -> Query:
    return parse_query(path.stem, path.read_text())


def load_query(name: str) -> Query:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(f"no query named {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    try:  # one look at the file a call (pages ask for a query several times a run)
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise QueryError(f"no query named {name!r}; see `python -m cjsperf query --list`") from None
    return _load(path, mtime_ns)


def list_queries() -> list[Query]:
    return [load_query(p.stem) for p in sorted(QUERIES_DIR.glob("*.sql"))]


def derived_extracts(text: str) -> list[str]:
    """The extracts a queries/derived/*.sql file reads, from its `-- extracts: a, b` line."""
    m = re.search(r"^-- extracts: (.+)$", text, re.M)
    return [e.strip() for e in m.group(1).split(",")] if m else []


def sql_code(text: str) -> str:
    """SQL without its `--` comments (which name other macros and tables)."""
    return re.sub(r"--[^\n]*", "", text)


def macro_bodies() -> dict[str, str]:
    """Each shared macro of queries/shared/*.sql: its name → its SQL, without comments."""
    bodies: dict[str, str] = {}
    for path in sorted(SHARED_DIR.glob("*.sql")):
        parts = re.split(r"CREATE OR REPLACE MACRO\s+(\w+)", sql_code(path.read_text()))
        bodies.update(zip(parts[1::2], parts[2::2]))
    return bodies


@cache
def _reads(stamp: tuple) -> dict[str, frozenset[str]]:
    """For each shared macro and derived table, the names `x` of the stg_x and raw_x tables it
    reads, directly or through another macro or derived table (`stamp`: the files' times)."""
    bodies = macro_bodies()
    derived = {p.stem: p.read_text() for p in sorted(DERIVED_DIR.glob("*.sql"))}
    reads = {n: set(re.findall(r"\b(?:stg|raw)_(\w+)", b)) for n, b in bodies.items()}
    reads |= {t: set(derived_extracts(text)) for t, text in derived.items()}
    uses = {n: set(re.findall(r"\b(\w+)\b", b)) & set(reads) - {n} for n, b in bodies.items()}
    changed = True
    while changed:  # through macros that call macros or read derived tables
        changed = False
        for n, used in uses.items():
            for m in used:
                if not reads[m] <= reads[n]:
                    reads[n] |= reads[m]
                    changed = True
    return {n: frozenset(r) for n, r in reads.items()}


def derived_reads() -> dict[str, frozenset[str]]:
    """For each table of queries/derived, the other tables of queries/derived it reads: named in
    its code, or read by a shared macro it calls (directly or through another macro)."""
    bodies = macro_bodies()
    derived = {p.stem: sql_code(p.read_text()) for p in sorted(DERIVED_DIR.glob("*.sql"))}
    words = {n: set(re.findall(r"\b(\w+)\b", b)) for n, b in {**bodies, **derived}.items()}
    out = {}
    for table in derived:
        seen, todo = set(), [table]
        while todo:  # through the macros it calls, and theirs
            for word in words[todo.pop()] - seen:
                seen.add(word)
                if word in bodies:
                    todo.append(word)
        out[table] = frozenset(seen & set(derived) - {table})
    return out


def sql_extracts(sql: str) -> frozenset[str]:
    """The names `x` of the stg_x and raw_x tables a statement reads: named in it, or read by a
    shared macro it calls or a derived table it reads (queries/shared, queries/derived)."""
    stamp = tuple(
        (p.name, p.stat().st_mtime_ns)
        for d in (SHARED_DIR, DERIVED_DIR)
        for p in sorted(d.glob("*.sql"))
    )
    reads = _reads(stamp)
    code = sql_code(sql)
    found = set(re.findall(r"\b(?:stg|raw)_(\w+)", code))
    for word in set(re.findall(r"\b(\w+)\b", code)) & set(reads):
        found |= reads[word]
    return frozenset(found)
