"""Streamlit building blocks the pages share: the warehouse, cached queries, filters, chart blocks.

Pages read top to bottom: filters → `query()` → a figure from `cjsperf.charts` → `chart_block()`,
which shows the chart, its data table, and the downloads of exactly that table.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import gc
import hashlib
import html
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import streamlit as st
from plotly.basedatatypes import BaseFigure

from cjsperf import charts, downloads
from cjsperf.db import QUERY_WORKERS, Warehouse, WarehouseUnavailable
from cjsperf.extracts import EXTRACTS, HOME_AREA
from cjsperf.filters import (
    Filters,
    Options,
    coverage_note,
    month_runs,
    nothing_to_show,
    render_sidebar,
)
from cjsperf.filters import month_label as filters_month_label
from cjsperf.headlines import literal
from cjsperf.queries import QueryError, load_query, sql_extracts

SYNC_EVERY_SECONDS = 2.0
SAMPLE_SOURCE = "Synthetic sample extract made by `python -m cjsperf sample` (not real CPS data)"
CPS_SOURCE = "Crown Prosecution Service, Case Outcomes by Principal Offence Category"
CPS_CAVEAT = (
    "CPS case outcomes are provisional management information, not official statistics. "
    "From mid June 2015 CPS introduced a new data assurance regime which may explain some "
    "unexpected variance."
)


def read_only() -> bool:
    """CJSPERF_READ_ONLY=1: serve the file `python -m cjsperf build` made; never ingest."""
    return os.environ.get("CJSPERF_READ_ONLY", "").strip().lower() in ("1", "true", "yes")


# ------------------------------------------------------------------ the meeting pack's collector
# While `cjsperf.pack` builds a pack it runs every page file in a thread of its own (no Streamlit
# session: "bare mode", where st.* draws nothing) with a Collector set here. The blocks below then
# record what they would draw, the same figures and frames, for the pack to lay out: one code path.
_collecting = threading.local()


@dataclasses.dataclass
class Collected:
    """One thing a page shows: kind 'chart', 'html' (status icons), 'note', 'kpis' or 'table'."""

    kind: str
    title: str = ""
    subtitle: str = ""
    fig: dict | None = None  # a chart's `charts.Spec`
    data: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    source: str = ""
    synthetic: bool = False
    html: str = ""


@dataclasses.dataclass
class Collector:
    filters: Filters
    page_title: str = ""
    intro: str = ""
    synthetic: bool | None = None
    real: bool = False
    items: list[Collected] = dataclasses.field(default_factory=list)

    def add(self, kind: str, **kw) -> None:
        self.items.append(Collected(kind, **kw))


def collecting() -> Collector | None:
    """The pack's collector when this thread is building a pack, else None."""
    return getattr(_collecting, "pack", None)


def start_collecting(c: Collector | None) -> None:
    _collecting.pack = c


@st.cache_resource(show_spinner="Loading the extracts…")
def _warehouse() -> Warehouse:
    wh = Warehouse(read_only=read_only())
    seen = None if wh.read_only else inputs_signature(wh)
    wh.sync()  # read-only: nothing to do yet
    wh.inputs_seen, wh.last_check = seen, time.monotonic()
    # What is alive now (the modules, the warehouse) lives as long as the process: keep it out of
    # every later garbage collection, which then looks only at what the runs make (a full one
    # took ~70 ms over the imported modules alone).
    gc.collect()
    gc.freeze()
    return wh


def inputs_signature(wh: Warehouse) -> tuple:
    """Every file a sync reads, as (path, size, modified): the data folder (the database file and
    its journal aside) and the staging, shared and derived SQL. Taken in a few milliseconds, where
    a sync that finds nothing changed costs about 0.1 s of DuckDB work on the visit that asks."""
    from cjsperf.db import DERIVED_DIR, SHARED_DIR, STAGING_DIR

    own = wh.db_path.name if wh.db_path is not None else None
    out = []
    for root in (wh.data_dir, STAGING_DIR, SHARED_DIR, DERIVED_DIR):
        for folder, _, names in os.walk(root):
            for name in names:
                if own and name.startswith(own):  # the database, its .wal, a build's temp file
                    continue
                path = os.path.join(folder, name)
                try:
                    st_ = os.stat(path)
                except OSError:  # gone since the listing: the next look sees it
                    continue
                out.append((path, st_.st_size, st_.st_mtime_ns))
    return tuple(sorted(out))


def _current() -> Warehouse:
    """The shared warehouse, brought up to date with the data folder (read-only: with the newest
    build of the database file) at most every SYNC_EVERY_SECONDS, and only when a file it reads
    has changed."""
    wh = _warehouse()
    if collecting() is not None:  # a meeting pack is built from the data as it was at its start
        return wh
    now = time.monotonic()
    if now - getattr(wh, "last_check", 0.0) > SYNC_EVERY_SECONDS:
        wh.last_check = now
        if wh.read_only:
            wh.sync()  # `refresh()`: one stat of the database file
        else:
            seen = inputs_signature(wh)  # before the sync: a change during it is seen next time
            if seen != getattr(wh, "inputs_seen", None):
                wh.sync()
                wh.inputs_seen = seen
    return wh


def warehouse() -> Warehouse:
    """The shared warehouse, up to date (see `_current`); a read-only replica without a database
    file it can open says so on the page and stops it."""
    try:
        return _current()
    except WarehouseUnavailable as exc:
        st.error(f"No data to show: {literal(str(exc))}")
        st.stop()
        raise  # st.stop() ends the run; this line is never reached


class _OutsideRuns(logging.Filter):
    """Drops Streamlit's 'missing ScriptRunContext' warning in a thread that is answering the
    health check (no visit is running there: the cached warehouse is still the one to use)."""

    local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.local, "on", False)


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    _OutsideRuns()
)


def health() -> tuple[int, dict]:
    """For a load balancer (GET /healthz): 200 and the build this process serves, or 503 and why
    not. Brings a replica onto a new build, like a visit does."""
    info: dict = {"read_only": read_only(), "pid": os.getpid()}
    _OutsideRuns.local.on = True
    try:
        return 200, {"status": "ok", **info, **_current().build_info()}
    except Exception as exc:  # the file is missing, unreadable, or not a dashboard database
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return 503, {"status": "unavailable", "error": first, **info}
    finally:
        _OutsideRuns.local.on = False


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_query(
    name: str, version: str, sql_hash: str, params: tuple[tuple[str, str], ...]
) -> pd.DataFrame:
    # sql_hash is only part of the key: an edited queries/<name>.sql is a new entry.
    return _warehouse().run_query(name, **dict(params))


FRAME_ENTRIES = 1024
_frames: OrderedDict = OrderedDict()  # query results in this process (see `query`)


def _query_key(wh: Warehouse, name: str, params: Mapping) -> tuple[tuple, tuple]:
    """`_cached_query`'s arguments for a query, and its key among the results kept here."""
    q = load_query(name)
    args = (
        name,
        wh.version,
        hashlib.sha1(q.sql.encode()).hexdigest(),
        tuple(sorted((k, str(v)) for k, v in params.items())),
    )
    return args, (*args, _generation(wh.version))


def _kept(key) -> pd.DataFrame | None:
    with _memo_lock:
        df = _frames.get(key)
        if df is not None:
            _frames.move_to_end(key)
        return df


def _keep(key, df: pd.DataFrame) -> None:
    with _memo_lock:
        _frames[key] = df
        while len(_frames) > FRAME_ENTRIES:
            _frames.popitem(last=False)


def query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql, cached by its SQL text, its parameters and the data version.

    On failure, a plain message and an empty frame with the columns the query's `-- returns:`
    header declares, so the page's column access works and it carries on: never a traceback.
    """
    wh = warehouse()
    columns: tuple[str, ...] = ()
    try:
        columns = load_query(name).columns
        # Kept in this process too (Streamlit's cache hashes the key and unpickles a copy of the
        # frame on every hit: ~1.5 ms a query); emptied with Streamlit's cache (`_generation`).
        args, key = _query_key(wh, name, params)
        # In flight first, then kept: a worker keeps its result before it leaves the flight, so
        # one of the two always sees a query run ahead.
        future = _inflight.get(key)
        df = _kept(key)
        if df is None and future is not None:
            if (mine := _take_back(key, future)) is not None:  # still queued: run it here
                df = _run_taken_back(key, mine, lambda: _cached_query(*args))
            else:
                with contextlib.suppress(Exception):  # failed ahead: run here, to say why
                    _inflight.get(key, future).result()
                df = _kept(key)
        if df is None:
            df = _cached_query(*args)
            _keep(key, df)
        # a copy of its own for the page (copy-on-write: sharing the values until changed)
        return df.copy(deep=False)
    except QueryError as exc:
        _error(f"This view could not be drawn: {literal(str(exc))}")
    except Exception as exc:  # a broken query must not take the page down
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _error(f"This view could not be drawn ({name}): {literal(first)}")
    return pd.DataFrame(columns=list(columns))


# the machine's cores: DuckDB runs a query outside Python's lock (and on fewer threads of its own
# for that, `db.duckdb_threads`)
PREFETCH_WORKERS = QUERY_WORKERS
PREFETCH_THREAD = "cjsperf-query"  # its workers' names begin so (the benchmark tells them apart)
_pool: list[ThreadPoolExecutor] = []
_pool_lock = threading.Lock()
_inflight: dict = {}  # key -> Future of a query `prefetch` started and has not kept yet


def prefetch(calls: Iterable[tuple[str, Mapping]], wait: bool = True) -> int:
    """Run the queries a page is about to ask `query` for, PREFETCH_WORKERS at a time, and keep
    their results, so that the page's own calls find them (the Overview's 30 queries one after
    another took ~450 ms). `wait` False: return at once, the page going on meanwhile; its `query`
    call waits for a result on its way. A query that fails is left for the page's own call to
    report. Returns how many were started."""
    wh = warehouse()
    todo: dict = {}
    for name, params in calls:
        try:
            if set(params) - {p.name for p in load_query(name).params}:
                continue  # a parameter it does not take: not a query the page will ask for
            args, key = _query_key(wh, name, params)
        except Exception:  # an unknown query: the page's own call says so
            continue
        if key not in _inflight and _kept(key) is None:  # in that order: see `query`
            todo[key] = args
    if len(todo) < (2 if wait else 1):
        return 0

    def run(key, args) -> None:  # on a worker: the key's entry in _inflight is this run's
        try:
            _keep(key, wh.run_query(args[0], **dict(args[3])))
        finally:
            with _memo_lock:
                _inflight.pop(key, None)

    with _pool_lock:
        if not _pool:
            _pool.append(ThreadPoolExecutor(PREFETCH_WORKERS, thread_name_prefix=PREFETCH_THREAD))
        started = []
        for key, args in todo.items():
            with _memo_lock:
                if key in _inflight:
                    continue
                _inflight[key] = future = _pool[0].submit(run, key, args)
            started.append((key, future))
    if wait:
        for key, future in started:
            with contextlib.suppress(Exception):  # a failure is the page's own call's to report
                if (mine := _take_back(key, future)) is not None:  # no worker free: run it here
                    _run_taken_back(key, mine, lambda a=todo[key]: _cached_query(*a))
                else:
                    _inflight.get(key, future).result()
    return len(started)


def _take_back(key, future) -> Future | None:
    """Take a started query back from the workers' queue, if none has begun it, for the page to
    run itself instead of waiting behind other sessions' queries: its place in flight goes to a
    future of the page's, already running, which others asking for the query wait for. None when
    a worker has begun it or another page has taken it back (wait for `_inflight[key]` then)."""
    with _memo_lock:
        if _inflight.get(key) is not future or not future.cancel():
            return None
        mine: Future = Future()
        mine.set_running_or_notify_cancel()
        _inflight[key] = mine
    return mine


def _run_taken_back(key, mine: Future, run: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Run a query taken back (`_take_back`) here, keep it, and let those waiting for it go."""
    try:
        df = run()
        _keep(key, df)
        mine.set_result(None)
        return df
    except BaseException as exc:
        mine.set_exception(exc)
        raise
    finally:
        with _memo_lock:
            if _inflight.get(key) is mine:
                del _inflight[key]


class Started:
    """A query a page started ahead of its use (`start`): calling it gives `query`'s frame,
    waiting for the query if a worker is running it, running it here if none has begun it."""

    __slots__ = ("name", "params")

    def __init__(self, name: str, params: Mapping):
        self.name, self.params = name, dict(params)

    def __call__(self) -> pd.DataFrame:
        return query(self.name, **self.params)


def start(name: str, **params) -> Started:
    """Start queries/<name>.sql now, beside the page's other queries (`prefetch`, without
    waiting), and return the handle the page later calls for its frame. A page starts every query
    it will need at its top, so they run PREFETCH_WORKERS at a time while it draws; one that no
    worker has taken by the time the page needs it (other sessions' queries ahead of it) the page
    runs itself (`query`)."""
    prefetch([(name, params)], wait=False)
    return Started(name, params)


def _error(text: str) -> None:
    _memo_state.errors = getattr(_memo_state, "errors", 0) + 1
    st.error(text)  # recorded for the meeting pack while one is built


# ------------------------------------------------------------------ deterministic work, cached
# A cached rerun gets its query results from `_cached_query`; what is made from them (a measure's
# trend and SPC statistics, a Plotly figure and its JSON) is the same every time for the same
# results and filters, so it is kept here too, keyed by the query results (their cache key or a
# hash of the frame) and every argument. Values are shared between sessions: they are never
# mutated (a figure is kept as its JSON, and each use gets a new `PlotlySpec` around it).
MEMO_ENTRIES = 512
_memo: OrderedDict = OrderedDict()
_memo_lock = threading.Lock()
_memo_state = threading.local()  # errors: messages shown by this thread (a memo keeps none)


def memo(key, build: Callable):
    """`build()`, kept under `key` (hashable) and returned again for the same key; the least
    recently used of MEMO_ENTRIES entries goes first. A result built while an error was shown is
    not kept, so the message shows again on the next run. `key` None: never kept."""
    if key is None:
        return build()
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    before = getattr(_memo_state, "errors", 0)
    value = build()
    if getattr(_memo_state, "errors", 0) == before:
        with _memo_lock:
            _memo[key] = value
            while len(_memo) > MEMO_ENTRIES:
                _memo.popitem(last=False)
    return value


def frame_key(df: pd.DataFrame | None):
    """A fingerprint of a frame's contents (columns, types, values), for memo keys; None for no
    frame, and a key that matches nothing when the values cannot be hashed."""
    if df is None:
        return None
    try:
        h = int(pd.util.hash_pandas_object(df, index=True).sum())
    except TypeError:  # e.g. lists in cells: never reuse
        return object()
    return (tuple(map(str, df.columns)), tuple(map(str, df.dtypes)), len(df), h)


def _hashable(value):
    """`value` as a hashable key part: frames by `frame_key`, mappings and sequences by items."""
    if isinstance(value, pd.DataFrame):
        return frame_key(value)
    if isinstance(value, pd.Series):
        return frame_key(value.to_frame())
    if isinstance(value, Mapping):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return object()  # matches nothing
    return value


class PlotlySpec(BaseFigure):
    """A figure as `st.plotly_chart` receives it, without Plotly objects: it asks a figure for
    `to_dict()` and serialises that, and this hands it the chart's `charts.Spec` (a dict: given to
    `st.plotly_chart` as it is, Streamlit would validate it through Plotly's objects again, at
    about 10 ms a chart)."""

    def __init__(self, spec: dict):  # BaseFigure.__init__ would validate it all again
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return self._spec


@st.cache_data(max_entries=8, show_spinner=False)
def _generation(version: str) -> str:
    """A token that changes with the data version and whenever Streamlit's data cache is emptied
    (`st.cache_data.clear()`), for memo keys of results made from many queries at once."""
    return os.urandom(8).hex()


def funnel_view(f: Filters, level: str, adjust: bool):
    """The conviction rate funnel plot (`cjsperf.comparison.funnel_view`) from cached queries,
    kept (`memo`) for the same filters and choices while the query results are; its figure is a
    `Figure`, so `chart_block` finishes a copy of its own (the kept one stays as built)."""
    from cjsperf import comparison

    key = ("funnel_view", f, level, adjust, _generation(warehouse().version))
    view = memo(key, lambda: comparison.funnel_view(query, f, level, adjust))
    if view.figure is None:
        return view
    spec = view.figure
    return dataclasses.replace(view, figure=Figure(key, lambda: copy.deepcopy(spec)))


def tiles(registry, f: Filters, events=()):
    """The Overview's tiles (`cjsperf.trends.tiles`) from cached queries, kept (`memo`) for the
    same measures, filters, events and cached query results."""
    from cjsperf import trends

    key = ("tiles", tuple(registry.items()), f, tuple(events), _generation(warehouse().version))

    def build():
        prefetch(trends.tile_calls(registry, f, holds))  # the tiles' queries, two at a time
        return trends.tiles(query, registry, f, events, holds)

    out = memo(key, build)
    for i, t in enumerate(out):  # icons and figures made from a tile's trend are kept by it
        if "_memo_key" not in t.trend.__dict__:
            object.__setattr__(t.trend, "_memo_key", (*key, i))
    return out


def holds(query_name: str, area: str) -> bool:
    """Whether an extract the query reads (`queries.sql_extracts`) has a row of the area's units
    (`Warehouse.forces_in`, `Warehouse.area_units`); an extract whose forces are not known, or a
    query that reads none, counts as holding it. The sample extracts hold the Area's four forces
    only, so National is not asked of them: the Overview ran 11 queries of its 28 to learn so."""
    wh = warehouse()

    def answer() -> bool:
        try:
            read = sql_extracts(load_query(query_name).sql)
        except QueryError:
            return True  # the query's own call says what is wrong
        units = wh.area_units(area)
        for extract in read:
            forces = wh.forces_in(extract)
            if forces is None or forces & units:
                return True
        return not read

    # once per load (an edited query file is a new load: its time is in the version)
    return wh.per_build(f"holds:{query_name}:{area}", answer)


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure not built yet: `build()` makes it; `key` says what it is made from. `chart_block`
    builds it only when its JSON is not kept already (`figure()` makes one)."""

    key: tuple | None  # None: built every time
    build: Callable[[], dict]


def figure(builder: Callable[..., dict], *args, **kwargs) -> Figure:
    """`builder(*args, **kwargs)`, such as `charts.bar_chart(df, ...)`, built by `chart_block` only
    when the same builder with the same frames (by content) and arguments has not been drawn
    before. `builder` must depend on its arguments alone (a page's own function can do the
    target line and other touches: it is keyed by its module and name)."""
    name = getattr(builder, "__qualname__", "<unnamed>")
    key = (
        None  # a lambda or a nested function: its name does not say what it draws
        if "<" in name
        else (getattr(builder, "__module__", ""), name, _hashable(args), _hashable(kwargs))
    )
    return Figure(key, lambda: builder(*args, **kwargs))


# How a month missing from an extract is described: CPS publishes the case outcomes.
MISSING_WORD = {"case_outcomes": "not published"}


def months_loaded(extract: str) -> tuple[str, ...]:
    """The months (YYYY-MM) that have rows in stg_<extract>, ascending (`Warehouse.months_loaded`:
    read once for each version of the data)."""
    return _warehouse().months_loaded(extract)


def coverage(f: Filters, extract: str) -> str:
    """'' when `extract` has every month of the chosen period, else e.g. '9 of 12 months;
    Apr–Jun 2017 not published'."""
    return coverage_note(
        f.months,
        months_loaded(extract),
        MISSING_WORD.get(extract, "not in the extract"),
    )


@st.cache_data(max_entries=8, show_spinner=False)
def _options(version: str) -> Options:
    wh = _warehouse()
    months = sorted({m for e in EXTRACTS for m in months_loaded(e.name)})
    if months:  # fill gaps so the slider is continuous
        months = Filters(start=months[0], end=months[-1]).months
    areas = wh.sql(
        "SELECT DISTINCT 'CPS ' || cps_area AS a FROM ref_force_areas "
        "WHERE cps_area <> 'West Midlands' ORDER BY 1"
    )["a"].tolist()
    forces = wh.sql("SELECT force_area FROM ref_force_areas ORDER BY 1")["force_area"].tolist()
    return Options(tuple(months) or ("2018-03",), ("National", *areas, *forces))


def filters() -> Filters:
    """Draw the shared filters in the sidebar (the entrypoint does this once per run), show any
    notice about the link's values, and remember them for the page."""
    opts = _options(warehouse().version)
    ss = st.session_state
    # On a page change Streamlit drops the state of widgets the browser did not report; seen with
    # 20 sessions at once under AppTest. Then take the filters again from the URL, which holds
    # those of the last complete run, rather than fail on the missing key.
    if ss.get("_filters_ready") and any(
        k not in ss for k in ("crime_type", "geography", "compare", "months")
    ):
        ss["_filters_ready"] = False
    f = render_sidebar(opts)
    for notice in f.notices:
        st.warning(notice, icon=":material/warning:")  # link values in it: ui.literal
    st.session_state["_current_filters"] = f
    return f


def current_filters() -> Filters:
    """The filters the entrypoint drew for this run (drawn here if a page runs on its own); the
    pack's filters while a pack is built."""
    if (c := collecting()) is not None:
        return c.filters
    f = st.session_state.get("_current_filters")
    return f if isinstance(f, Filters) else filters()


def page_header(title: str, intro: str, *, synthetic: bool, real: bool = False) -> None:
    """Page title, one-line purpose, and the provenance of the data the page shows."""
    if (c := collecting()) is not None:  # title and intro laid out by the pack; the rest recorded
        c.page_title, c.intro, c.synthetic, c.real = title, intro, synthetic, real
    else:
        st.title(title)
        st.markdown(intro)
    if synthetic:
        st.info(
            "**Sample data.** The figures on this page come from synthetic extracts made by the "
            "project's generator to show how the dashboard works. They are not real CPS figures.",
            icon=":material/science:",
        )
    if real:
        st.caption(f"Source: {CPS_SOURCE}. {downloads.OGL} {CPS_CAVEAT}")


def no_crime_type_note(f: Filters, what: str) -> None:
    """Say so when a crime type is chosen but this data has no crime-type dimension."""
    if f.crime_type != "All crime":
        caption(
            f":material/info: {what} are not recorded by crime type, so this shows all crime, "
            f"not {f.crime_type}."
        )


def no_dimension_note(f: Filters, what: str, dimension: str = "police force") -> None:
    """Say so when a police force is chosen but this data has no force dimension (e.g. tasks, whose
    teams work across the Area); for dimension 'crime type', as `no_crime_type_note`."""
    if dimension == "crime type":
        no_crime_type_note(f, what)
    elif f.geography != HOME_AREA:
        caption(
            f":material/info: {what} are not recorded by {dimension}, so this shows {HOME_AREA} "
            f"as a whole, not {f.geography}."
        )


def caption(text: str) -> None:
    """A page's note under its title or a chart (recorded for the pack while one is built)."""
    if (c := collecting()) is not None:
        c.add("note", notes=(text,))
    else:
        st.caption(text)


# Said on every page whose extracts cover only the Area, when a comparison is chosen.
COMPARE_NOTE = (
    ":material/info: Comparisons with National and other areas are not available: the sample extracts cover "
    "only the West Midlands forces."
)


def no_comparison_note(f: Filters) -> None:
    """Say that the page's sample extracts cannot be compared with National or other areas."""
    if f.compare:
        caption(COMPARE_NOTE)


def empty_note(f: Filters, what: str, extract: str | Sequence[str], crime_type: str | None) -> None:
    """Say that there are no `what` to show and why (`filters.nothing_to_show`): the months the
    extract (or extracts) hold, when the period has none of them. `crime_type`: the crime type the
    data was narrowed to, or None when it has none."""
    names = (extract,) if isinstance(extract, str) else tuple(extract)
    try:
        loaded: list[str] | None = sorted({m for name in names for m in months_loaded(name)})
    except Exception:  # the months unknown: the note still says what it can
        loaded = None
    missing = MISSING_WORD.get(names[0], "not in the extract")
    said = nothing_to_show(f, what, loaded, crime_type, missing, extracts=len(names))
    st.info(said)  # recorded for the meeting pack while one is built


def unpublished(f: Filters, extract: str = "case_outcomes") -> str:
    """The chosen period's months as runs ('Apr–Jun 2017') when `extract` holds none of them
    (CPS did not publish them), else '': a chart of the period's own figures has nothing to draw,
    and 'no cases' would not be true."""
    loaded = set(months_loaded(extract))
    return "" if any(m in loaded for m in f.months) else ", ".join(month_runs(list(f.months)))


def unpublished_note(what: str, months: str) -> None:
    """Said in place of a chart of CPS figures (`what`: 'Conviction rates by area') when CPS
    published none of the period's months (`unpublished`)."""
    st.info(  # recorded for the meeting pack while one is built
        f"{what}: not published for {months}. CPS published no case outcomes for these months, "
        "so there are no figures to show. Choose a period with published months.",
        icon=":material/event_busy:",
    )


def _summary() -> pd.DataFrame:
    """extract, last_date: the latest date each extract holds (`Warehouse.summary`'s last_date,
    without the counts of files, rows and problems that a chart's footnote does not need); read
    once for each load of the data (`Warehouse.per_build`)."""
    wh = _warehouse()
    sql = " UNION ALL ".join(
        f"SELECT '{e.name}' AS extract, "
        f"(SELECT max({e.period_column}) FROM stg_{e.name})::DATE AS last_date"
        for e in EXTRACTS
    )
    return wh.per_build("last dates", lambda: wh.sql(sql)).copy(deep=False)


@st.cache_data(max_entries=4, show_spinner=False)
def extract_summary(version: str) -> pd.DataFrame:
    """`Warehouse.summary`: per extract, files, rows loaded and rejected, period covered."""
    return _warehouse().summary()


def data_as_at(extract: str | None, source: str = "") -> str:
    """The last month of data the chart's extract holds, 'Mar 2018' ('' when unknown): the
    extract named, else the CPS case outcomes for the CPS source, else the latest sample extract."""
    from cjsperf.extracts import BY_NAME

    if extract is None:
        extract = "case_outcomes" if source == CPS_SOURCE else None

    def last_month() -> str:
        try:
            summary = _summary()
        except Exception:  # a date in a footnote never takes a chart down
            return ""
        if extract is not None:
            rows = summary[summary["extract"] == extract]
        else:
            synthetic = summary["extract"].map(lambda e: getattr(BY_NAME.get(e), "synthetic", 0))
            rows = summary[synthetic]
        last = rows["last_date"].dropna()
        return filters_month_label(f"{last.max():%Y-%m}") if len(last) else ""

    try:
        version = warehouse().version
    except Exception:
        return ""
    return memo(("data_as_at", version, extract), last_month)


def produced_on(today: dt.date | None = None) -> str:
    """'1 Dec 2026': the date an export is made."""
    d = today or dt.date.today()
    return f"{d.day} {d:%b %Y}"


def export_filters(f: Filters) -> dict[str, str]:
    """Every filter, the comparisons too, as a workbook's cover and the pack say them."""
    return {
        "Crime type": f.crime_type,
        "Geography": f.geography,
        "Period": f.period,
        "Compared with": ", ".join(f.compare) or "no comparison",
    }


def chart_block(
    fig: dict | Figure,
    data: pd.DataFrame,
    *,
    key: str,
    title: str,
    subtitle: str,
    f: Filters,
    source: str,
    synthetic: bool,
    definitions: Sequence[str] = (),
    column_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    extract: str | None = None,
    chosen: Filters | None = None,
) -> None:
    """A chart with its text alternative (the data table, one click away) and the downloads of
    exactly the frame it was drawn from, as CSV and as an accessible Excel workbook.
    `chosen`: the filters as chosen, for the workbook's cover, where the chart shows other months
    than they do (`f`: an SPC chart's 24 months or more, for its coverage and file names).

    `extract` names the extract the chart's figures come from: when it lacks months of the
    chosen period, the months it covers are said under the figure's subtitle, under the chart and
    in the workbook's subtitle ('Covers 9 of 12 months; Apr–Jun 2017 not published').
    The figure carries its source, data date, production date and, for synthetic data, the
    sample mark in its bottom margin, so an exported image stands on its own.
    `fig`: a Plotly figure, or `figure(builder, ...)`: built (and finished as above) only when
    its JSON is not kept from an earlier run.
    """
    covered = coverage(f, extract) if extract else ""
    if covered:
        notes = [f":material/date_range: Covers {covered}.", *notes]
        subtitle = f"{subtitle}. Covers {covered}"
    as_at = data_as_at(extract, source)
    produced = produced_on()
    labels = dict(column_labels or {})
    c = collecting()

    def finish(built: dict) -> dict:
        if covered:
            charts.add_subtitle_line(built, f"Covers {covered}")
        return charts.add_source(built, source, as_at=as_at, produced=produced, synthetic=synthetic)

    if isinstance(fig, Figure):  # built only when not kept (a key of None: always built)
        kept = fig.key and ("chart", fig.key, covered, as_at, produced, source, synthetic)
        spec = memo(kept, lambda: finish(fig.build()))
    else:
        spec = finish(fig)
    if c is not None:
        c.add(
            "chart", title=title, subtitle=subtitle, fig=spec,
            data=data.rename(columns=labels), notes=tuple(notes), source=source,
            synthetic=synthetic,
        )  # fmt: skip
        return
    st.plotly_chart(
        PlotlySpec(spec),
        theme=None,  # the figure's own theme (cjsperf.theme), as in the pack and the exports
        key=f"chart_{key}",
        config={
            "displaylogo": False,
            "toImageButtonOptions": {
                "format": "png",
                "filename": downloads.slug(title),
                "scale": 2,
            },
            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        },
    )
    for note in notes:
        st.caption(note)
    # Run only while open (a closed table costs neither the server nor the browser a thing on a
    # rerun): opening it reruns the page, from the cache.
    with st.expander(
        "Data table and downloads", expanded=False, key=f"table_{key}", on_change="rerun"
    ) as box:
        if not box.open:
            return
        shown = data.rename(columns=labels)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={  # thousands separators, as in the charts
                c: st.column_config.NumberColumn(format="localized")
                for c in shown.columns
                if pd.api.types.is_numeric_dtype(shown[c])
            },
        )
        names = f.for_file()
        left, right, _ = st.columns([1, 1, 2])
        left.download_button(
            "Download CSV",
            data=lambda: downloads.csv_bytes(data),  # made when clicked, not on every rerun
            file_name=downloads.file_name(key, names, "csv"),
            mime="text/csv",
            key=f"csv_{key}",
            on_click="ignore",
            icon=":material/download:",
        )
        workbook = dict(
            title=title, subtitle=subtitle, source=source, filters=export_filters(chosen or f),
            definitions=definitions, synthetic=synthetic, column_labels=labels,
            notes=tuple(notes), as_at=as_at, produced=produced,
        )  # fmt: skip
        right.download_button(
            "Download Excel",
            data=lambda: downloads.excel_bytes(data, **workbook),
            file_name=downloads.file_name(key, names, "xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"xlsx_{key}",
            on_click="ignore",
            icon=":material/table_view:",
        )
        st.caption(f"Source: {source}." + (" Synthetic sample data." if synthetic else ""))


def trend_block(
    t,
    fig: dict | Figure,
    *,
    key: str,
    subtitle: str,
    f: Filters,
    source: str,
    synthetic: bool,
    definitions: Sequence[str] = (),
    column_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    table: pd.DataFrame | None = None,
    extract: str | None = None,
) -> None:
    """A measure's SPC chart (`cjsperf.trend_chart.trend_figure`) with its variation and assurance
    icons in words beside the headline, and its table and downloads: the query's monthly rows with
    the mean, the limits and the rule each point triggers."""
    from cjsperf import icons
    from cjsperf.trends import SPC_LABELS

    words = memo(("html_icons", trend_key(t)), lambda: icons.html_icons(t))
    if (c := collecting()) is not None:
        c.add("html", html=words)
    else:
        st.html(words)  # HTML, escaped; never Markdown
    labels = {**SPC_LABELS, **dict(column_labels or {})}
    spc_defs = (
        "Statistical process control (NHS Making Data Count): mean ± 2.66 × the mean moving "
        "range gives the process limits; a point outside them, 7 in a row on one side of the "
        "mean or rising or falling, or 2 of 3 near a limit is a special cause. Anything else is "
        "common cause variation: noise, not a change.",
    )
    extra = [n for n in (t.span_note, t.result.message.capitalize()) if n]
    # The chart covers the months it shows (24 or more): its coverage note and file names too.
    shown = dataclasses.replace(f, start=t.first, end=t.last)
    chart_block(
        fig, t.table() if table is None else table, key=key, title=t.headline, subtitle=subtitle,
        f=shown, source=source, synthetic=synthetic,
        definitions=(*definitions, t.measure.definition, *spc_defs), column_labels=labels,
        notes=(*extra, *notes), extract=extract, chosen=f,
    )  # fmt: skip


def per_load(key: str, make: Callable):
    """`make()` once per load of the data (`Warehouse.per_build`: a filter change, or Streamlit's
    cache emptied, never reads it again), unless it showed an error: then it is made again on the
    next run, and its message shows again."""
    shown = {}

    def made():
        before = getattr(_memo_state, "errors", 0)
        out = make()
        shown["errors"] = getattr(_memo_state, "errors", 0) != before
        return out

    return warehouse().per_build(key, made, keep=lambda _: not shown.get("errors"))


def measure_registry():
    """The measure registry (`cjsperf.measures.registry`), read once per load of the data; a page
    stops, its message shown by `query`, when the registry could not be read."""
    from cjsperf.measures import registry

    before = getattr(_memo_state, "errors", 0)
    reg = per_load("measure_registry", lambda: registry(query("measures")))
    if not reg:
        if getattr(_memo_state, "errors", 0) == before:  # the query did not fail: say why
            _error(no_registry_message())
        st.stop()
    return reg


def events() -> tuple:
    """The events monthly charts mark (`queries/events.sql`, `cjsperf.events.events_from`), read
    once per load of the data, like the measure registry."""
    from cjsperf.events import events_from

    return per_load("events", lambda: tuple(events_from(query("events"))))


REGISTRY_FILE = "reference/measures.csv"


def no_registry_message() -> str:
    """Why there is no measure to show: the registry file's own problems (line, column, what was
    expected), as the Data quality page lists them."""
    try:
        found = warehouse().problems()
        found = found[found["file"].astype(str) == REGISTRY_FILE]
    except Exception:  # the message must never fail itself
        found = None
    said = problems_in_words(found.head(3)) if found is not None else ""
    why = f" ({said})" if said else ""
    return (
        f"No measures to show: `data/{REGISTRY_FILE}` loaded no line{why}. The Data quality page "
        "lists every problem with its line."
    )


def problems_in_words(found: pd.DataFrame) -> str:
    """Problems of the registry file (rows with line, column, expected) as a sentence's aside:
    "line 2, column `target`: expected `a plain number…`; …"."""
    return "; ".join(
        f"line {int(r.line) if pd.notna(r.line) else '?'}, column {literal(str(r.column))}: "
        f"expected {literal(str(r.expected))}"
        for r in found.itertuples()
    )


def refused_measures() -> dict[str, str]:
    """For each measure whose line of the registry was refused at load (`measures_refused`), the
    message its own page shows (`MissingMeasure`), saying why; in the order of the file. Read
    once per load of the data, like the registry, so no rerun queries it."""
    from cjsperf.measures import MissingMeasure

    def make() -> dict[str, str]:
        found = query("measures_refused")
        return {
            key: str(MissingMeasure(key, problems_in_words(rows.head(3))))
            for key, rows in found.groupby(found["key"].fillna(""), sort=False)
        }

    return per_load("measures_refused", make)  # once per load of the data, like the registry


def measures_of(*keys: str, area: str | None = None, extra: dict | None = None):
    """The page's measures from the registry, in order. If one was refused at load (a bad line in
    data/reference/measures.csv), say so plainly and stop the page: no traceback. Their trends'
    queries start at once (`area`, `extra`: the arguments the page's `trend_of` calls pass)."""
    from cjsperf import trends
    from cjsperf.measures import MissingMeasure

    reg = measure_registry()
    try:
        found = [reg[k] for k in keys]
    except MissingMeasure as exc:
        st.error(refused_measures().get(exc.args[0], str(exc)), icon=":material/error:")
        st.stop()
    # Their trends' queries start now, while the page does the rest (`trend_of` finds them).
    f = current_filters()
    prefetch(
        [(m.query, trends.trend_params(m, f, area=area, extra=extra)) for m in found], wait=False
    )
    return found


def start_trend(m, f: Filters, *, area: str | None = None, extra: dict | None = None) -> None:
    """Start the query of a trend the page draws later (`trend_of` with the same arguments),
    where `measures_of` did not (another area or other parameters)."""
    from cjsperf import trends

    prefetch([(m.query, trends.trend_params(m, f, area=area, extra=extra))], wait=False)


def trend_of(m, f: Filters, events=(), *, area: str | None = None, extra: dict | None = None):
    """A measure's SPC trend for the filters (`cjsperf.trends.trend_for`), from cached queries;
    kept (`memo`) for the same query rows, measure, filters and events."""
    from cjsperf import trends

    df = query(m.query, **trends.trend_params(m, f, area=area, extra=extra))
    key = ("trend_of", m, f, tuple(events), area, frame_key(df))
    before = getattr(_memo_state, "errors", 0)
    t = memo(key, lambda: trends.trend_for(m, lambda *_, **__: df, f, events, area=area))
    if getattr(_memo_state, "errors", 0) == before:
        object.__setattr__(t, "_memo_key", key)  # figures and icons made from it are kept by it
    return t


def period_figures(t, name: str, start: str, end: str, **params) -> Mapping:
    """A period's headline figures, those of the one-row query `name` (`queries/<name>.sql`):
    worked out from the months of `t` (a trend of the same filters, `trend_of`, or several, their
    months side by side) when they cover start..end and hold what the query returns (no second
    scan of the extract; `kpis.summed`), else from the query itself, as when a trend's query
    failed or the period has no month with a row."""
    from cjsperf import kpis

    ts = list(t) if isinstance(t, list | tuple) else [t]
    # the period inside each trend's months, up to its last month with a row: a monthly query
    # leaves out months wholly after its extract was taken, which the period query counts
    if all(
        x.first <= start and end <= x.last and len(x.data) and end <= str(x.data["month"].max())
        for x in ts
    ):
        monthly = ts[0].data
        for x in ts[1:]:
            more = [c for c in x.data.columns if c not in monthly.columns]
            monthly = monthly.merge(x.data[["month", *more]], on="month", how="outer")
        found = kpis.summed(monthly, start, end, load_query(name).columns)
        if found is not None:
            return found
    return kpis.first_row(query(name, **params, start=start, end=end))


def tile_sparkline(t) -> PlotlySpec | None:
    """An Overview tile's sparkline (`charts.sparkline` of `Tile.sparkline`), kept by its trend;
    None when fewer than two of its months have a value."""
    from cjsperf import charts

    def build():
        spark = t.sparkline
        if spark["value"].notna().sum() <= 1:
            return None
        percent = t.measure.unit == "%"
        return charts.sparkline(spark, x="month", y="value", y_suffix="%" if percent else "",
                                y_format=".1f" if percent else ",.0f")  # fmt: skip

    spec = memo(("sparkline", trend_key(t.trend)), build)
    return None if spec is None else PlotlySpec(spec)


def trend_key(t) -> tuple:
    """What a trend is made from, for memo keys: `trend_of`'s key, else its contents."""
    if (k := t.__dict__.get("_memo_key")) is not None:
        return k
    return (
        "trend", t.measure, t.label, t.area, t.crime_type, t.first, t.last, t.start,
        frame_key(t.data), t.column, t.target, t.no_target_why, t.events, t.extended,
    )  # fmt: skip


def status_line(trends_) -> None:
    """One status per measure and period, as the Overview and the charts show it: each measure's
    variation and assurance icons with their words."""
    from cjsperf import icons

    rows = [
        f"<div style='margin:0.15em 0'><b>{html.escape(t.label)}</b>: "
        f"{memo(('html_icons', trend_key(t)), lambda t=t: icons.html_icons(t))}</div>"
        for t in trends_
    ]
    if (c := collecting()) is not None:
        c.add("html", html="".join(rows))
        return
    st.html("".join(rows))  # HTML, escaped; never Markdown


def comparison_series(m, f: Filters, first: str, areas) -> pd.DataFrame:
    """month, series, value of the measure for each comparison area from `first` to the period's
    end (the months an SPC chart shows); areas with no data are left out."""
    from cjsperf.measures import monthly_series

    parts = []
    for area in areas:
        df = query(m.query, **m.params(f, first, area=area))
        for month, v in monthly_series(m, df).items():
            parts.append({"month": month, "series": area, "value": v})
    return pd.DataFrame(parts, columns=["month", "series", "value"])


def show_trend(
    t,
    f: Filters,
    *,
    key: str,
    measure_text: str,
    source: str,
    synthetic: bool,
    y_title: str = "",
    hover=(),
    comparisons: pd.DataFrame | None = None,
    definitions: Sequence[str] = (),
    column_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    extract: str | None = None,
) -> None:
    """Draw a trend as an SPC chart with its icons, table and downloads. `measure_text` names the
    measure and unit for the subtitle ('Tasks due each month completed on time (%)')."""
    from cjsperf import trend_chart, trends

    where = t.area or HOME_AREA
    months = f"{filters_month_label(t.first)} to {filters_month_label(t.last)}"
    subtitle = f"{measure_text}, {where}<br>{months}"
    if t.extended:
        subtitle += f" ({trends.SPAN} months for the control limits; period chosen: {f.period})"
    tkey, ckey = trend_key(t), frame_key(comparisons)
    fig = Figure(
        ("trend_figure", tkey, subtitle, y_title, _hashable(hover), ckey),
        lambda: trend_chart.trend_figure(
            t, subtitle=subtitle, y_title=y_title, hover=hover, comparisons=comparisons
        ),
    )
    if t.target is None and t.measure.target is not None:
        notes = (*notes, f"No target line: {t.no_target_why}.")

    def with_comparisons() -> pd.DataFrame:
        table = t.table()
        if comparisons is not None and len(comparisons):
            # The grey comparison lines, a column each, beside the measure's own rows.
            wide = comparisons.pivot(index="month", columns="series", values="value")
            wide.columns = [f"{c}: {t.measure.label.lower()}" for c in wide.columns]
            table = table.merge(wide.reset_index(), on="month", how="left")
        return table

    table = memo(("trend_table", tkey, ckey), with_comparisons) if ckey else t.table()
    trend_block(
        t, fig, key=key, subtitle=subtitle.replace("<br>", ", "), f=f, source=source,
        synthetic=synthetic, definitions=definitions, column_labels=column_labels, notes=notes,
        table=table, extract=extract,
    )  # fmt: skip


def measure_trend(m, f: Filters, events=(), *, area: str | None = None, **kwargs):
    """`trend_of` and `show_trend` in one: draw the measure's SPC chart; return its trend."""
    t = trend_of(m, f, events, area=area)
    show_trend(t, f, **kwargs)
    return t
