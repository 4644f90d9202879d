"""Smoke test of benchmarks/run.py: the script runs end to end at a tiny size (one financial year at
scale 1, `--quick`) and its figures are the right kind of figures. Nothing here is timed: the
benchmark's timings are for a person to read, not for a test to assert."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cjsperf.db import Warehouse
from cjsperf.extracts import EXTRACTS, HOME_AREA

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "run.py"


def _load_run():
    spec = importlib.util.spec_from_file_location("benchmark_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_run()


def _pages_in_dashboard() -> list[str]:
    """The page files the dashboard serves (cjsperf/site.py), read with a plain regular expression."""
    return re.findall(r"Page\(\s*\"(pages/[^\"]+)\"", (REPO / "cjsperf" / "site.py").read_text())


def _data_lines(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return sum(1 for line in fh if line.strip()) - 1  # less the header


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One quick run of the script, as a user runs it, on a data folder it then reuses."""
    out = tmp_path_factory.mktemp("bench")
    data_dir, _ = run.make_data(out / "scale-1", 1, ("2017-18",))
    # what each generated file holds, counted before the benchmark touches one of them
    lines = {
        e.name: sum(_data_lines(p) for p in run.extract_files(data_dir)[e.name])
        for e in EXTRACTS
        if e.name != "case_outcomes"
    }
    json_path = out / "result.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out), "--json", str(json_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    doc = json.loads(last)
    assert json.loads(json_path.read_text()) == doc
    return {"doc": doc, "stdout": proc.stdout, "lines": lines, "data_dir": data_dir}


def test_pages_are_read_from_the_site_list():
    pages = [p["path"] for p in run.dashboard_pages()]
    assert pages == _pages_in_dashboard()
    assert all((REPO / p).exists() for p in pages)


def test_every_listed_page_is_measured_without_errors(bench):
    r = bench["doc"]["scales"]["1"]
    assert list(r["pages"]) == _pages_in_dashboard()
    for path, page in r["pages"].items():
        assert page["errors"] == [], path
        for key in ("rerun_cached_ms", "rerun_uncached_ms"):
            assert page[key]["n"] == bench["doc"]["repeats"], (path, key)
            assert page[key]["median"] > 0
        # cached reruns take every queries/*.sql result from st.cache_data
        assert page["queries_run_by_cached_reruns"] == [], path
        assert 0 <= page["bytes"]["chart_and_table"] <= page["bytes"]["all"]
    # the worked example draws Plotly charts, counted; its charts' data tables are made only when
    # opened (none is), while the Data quality page's own tables are sent and counted
    conv = r["pages"]["pages/conviction_rates.py"]
    assert conv["bytes"]["charts"] > 0 and conv["bytes"]["tables"] == 0
    assert r["pages"]["pages/data_quality.py"]["bytes"]["tables"] > 0
    assert "conviction_rate_by_month" in conv["queries"]


def test_every_page_has_its_pandas_equivalent(bench):
    r = bench["doc"]["scales"]["1"]
    for path, page in r["pages"].items():
        pan = page["pandas"]
        assert pan["extracts"], path  # the page's queries read at least one extract
        assert pan["read_and_groupby_ms"]["n"] == 1  # --quick: one pandas run per page
        q = page["queries_only_ms"]["median"]
        assert page["pandas_speedup"] == pytest.approx(
            pan["read_and_groupby_ms"]["median"] / q, rel=0.02, abs=0.051
        ), path
    # the four later pages read their own extracts (through the queries/shared macros)
    assert r["pages"]["pages/trials_witnesses.py"]["pandas"]["extracts"] == ["trials"]
    assert r["pages"]["pages/people.py"]["pandas"]["extracts"] == ["training"]
    assert r["pages"]["pages/victims.py"]["pandas"]["extracts"] == ["vcl_letters"]
    # and through the tables of queries/derived (outcome_units: the case and flagged outcomes)
    assert r["pages"]["pages/conviction_rates.py"]["pandas"]["extracts"] == [
        "case_outcomes",
        "flagged_outcomes",
    ]
    assert r["pages"]["pages/casework_quality.py"]["pandas"]["extracts"] == [
        "disclosure_assessments",
        "tsj_reviews",
    ]
    # the queries timed as the page runs them, and one after another: Victims starts its five
    # ahead (ui.measures_of, ui.start; with one year loaded, the period before is asked of its
    # own queries as well, in the page's thread), Data quality none of its four
    ahead, calls = r["pages"]["pages/victims.py"]["queries_started_ahead"]
    assert ahead == 5 and calls >= 5
    assert r["pages"]["pages/data_quality.py"]["queries_started_ahead"] == [0, 4]
    for path, page in r["pages"].items():
        n = page["queries_only_ms"]["n"]
        assert page["queries_one_after_another_ms"]["n"] == n >= 10, path
    speed = next(t for t in bench["doc"]["targets"] if t["target"].startswith("every page's q"))
    assert speed["where"].endswith(f"{len(r['pages'])} of {len(r['pages'])} pages")


def test_browser_redraw_quick(bench):
    """--quick: one page, one period change, in headless Chromium on a read-only replica."""
    browser = bench["doc"]["scales"]["1"]["browser"]
    if "skipped" in browser:
        if os.environ.get("CI"):
            pytest.fail(browser["skipped"])
        pytest.skip(browser["skipped"])
    assert list(browser["pages"]) == list(run.QUICK_BROWSER_PAGES)
    page = browser["pages"]["pages/conviction_rates.py"]
    assert page["errors"] == []
    assert len(page["times_ms"]) == len(page["script_ms"]) == page["ms"]["n"] == 1
    # the script run ends before every chart is redrawn: its part is no more than the whole
    assert 0 < page["script_ms"][0] <= page["times_ms"][0]
    assert page["ms"]["median"] == page["times_ms"][0]
    # the page draws charts, and the latest month and the latest 12 months differ in some
    assert 1 <= page["charts_differing"] <= page["charts"]
    redraw = next(t for t in bench["doc"]["targets"] if t["target"].startswith("a filter change"))
    assert (
        redraw["value"] == page["ms"]["median"] and redraw["where"] == "pages/conviction_rates.py"
    )


def test_sessions_over_one_and_two_replica_processes(bench):
    r = bench["doc"]["scales"]["1"]
    assert r["build"]["exit"] == 0 and re.fullmatch(r"[0-9a-f]+", r["build"]["build"])
    reps = r["replicas"]
    assert list(reps) == ["1x4", "2x2"]  # --quick: 4 sessions
    for key, procs, each in (("1x4", 1, [4]), ("2x2", 2, [2, 2])):
        c = reps[key]
        assert c["errors"] == 0, c["error_samples"]
        assert (c["processes"], c["sessions_each"]) == (procs, each)
        assert c["page_runs"] == 4 * c["visits_each"] == c["page_ms"]["n"]  # every session ran
        assert [w["page_runs"] for w in c["per_process"]] == [n * c["visits_each"] for n in each]
        assert all(w["errors"] == 0 and w["peak_rss_mb"] > 0 for w in c["per_process"])
        assert c["page_ms"]["min"] <= c["page_ms"]["median"] <= c["page_ms"]["p95"]
        assert c["page_ms"]["max"] == max(w["page_ms"]["max"] for w in c["per_process"])
    p95 = next(t for t in bench["doc"]["targets"] if "two replica" in t["target"])
    assert p95["value"] == reps["2x2"]["page_ms"]["p95"] and p95["limit"] == 1500


def test_ingest_counts_match_the_files(bench):
    r = bench["doc"]["scales"]["1"]
    assert sorted(r["ingest"]["changed_extracts"]) == sorted(e.name for e in EXTRACTS)
    for name, n in bench["lines"].items():
        assert r["bare_read"]["rows"][name] == n, name  # DuckDB's own read_csv
        assert r["rows"][name] == n, name  # the generated sample has no rejected row
    assert r["ingest"]["s"] > 0 and r["bare_read"]["ctas_s"] > 0
    assert r["ingest"]["ratio_to_bare_ctas"] == pytest.approx(
        r["ingest"]["s"] / r["bare_read"]["ctas_s"], rel=0.05
    )
    # the cold ingest's phases add up to it, and what follows the read is set against the bare read
    phases = r["ingest"]["phases_s"]
    assert list(phases) == ["read", "stage", "derive"]
    assert sum(phases.values()) == pytest.approx(r["ingest"]["s"], abs=0.03)
    assert r["ingest"]["after_read_ratio_to_bare_ctas"] == pytest.approx(
        (phases["stage"] + phases["derive"]) / r["bare_read"]["ctas_s"], abs=0.02
    )


def test_warm_start_reads_nothing_and_one_touched_file_only_that(bench):
    r = bench["doc"]["scales"]["1"]
    assert r["warm_start"]["files_read"] == 0
    assert r["warm_start"]["references_read"] == 0
    assert r["warm_start"]["changed_extracts"] == []
    assert r["one_file_changed"]["files_read"] == 1
    assert r["one_file_changed"]["file"].startswith("tasks/")
    assert r["one_file_changed"]["changed_extracts"] == ["tasks"]


def test_one_file_changed_stages_the_changed_line_and_puts_the_file_back(tmp_path):
    """The benchmark's re-sync after one tasks file changed: the middle line's team is changed
    (a real change, not only a new modification time), only that file is read, the line's block
    staged again, and the file is put back byte for byte afterwards."""
    from tests.test_ingest import make_base

    root = make_base(tmp_path / "data")
    db = tmp_path / "wh.duckdb"
    wh = Warehouse(root, db_path=db)
    wh.sync()
    wh.close()
    path = root / "tasks" / "tasks_2017_10.csv"
    before = path.read_bytes()
    r = run.one_file_changed(root, db)
    # the file's 3 lines: the middle one (line 3) is T2 of Complex Casework; the first other team
    # of the contract is the Birmingham magistrates' court unit
    assert r["file"] == "tasks/tasks_2017_10.csv"
    assert r["change"] == 'line 3: team now "Magistrates\' Court Unit Birmingham"'
    assert r["team_staged"] == "Magistrates' Court Unit Birmingham"
    assert (r["files_read"], r["changed_extracts"]) == (1, ["tasks"])
    assert r["lines_staged"] == {"tasks": 3}  # lines 2-4: one block (1024 lines a block)
    assert path.read_bytes() == before
    wh = Warehouse(root, db_path=db)
    assert wh.sync().changed_extracts == []
    t2 = wh.sql("SELECT team FROM stg_tasks WHERE task_id = 'T2'")
    assert list(t2.team) == ["Complex Casework"]
    wh.close()


def test_concurrent_sessions_and_the_summary(bench):
    doc = bench["doc"]
    r = doc["scales"]["1"]
    for key in ("concurrent_apptest", "concurrent_queries"):
        assert r[key]["errors"] == 0, r[key]["error_samples"]
        assert r[key]["page_runs"] > 0
    assert r["peak_rss_mb"] > 0
    assert doc["machine"]["nproc"] >= 1
    assert {t["target"] for t in doc["targets"]} >= {
        "warm start, nothing changed (median)",
        "first page after a cold start (empty database)",
        "every page's rerun after a filter change, cached (median)",
        "a filter change in the browser to every chart redrawn (median, slowest page)",
        "20 concurrent sessions over two replica processes: page time p95",
    }
    cached = next(t for t in doc["targets"] if t["target"].endswith("cached (median)"))
    assert cached["limit"] == 100
    assert "Targets:" in bench["stdout"] and "Cold ingest" in bench["stdout"]


# ---- the pandas comparison does the same sums as the SQL it is compared with
@pytest.fixture(scope="module")
def tiny(bench):
    wh = Warehouse(bench["data_dir"], db_path=None)
    wh.sync()
    yield wh, run.PandasWay(bench["data_dir"])
    wh.close()


def _same(pandas_df: pd.DataFrame, sql_df: pd.DataFrame, columns: list[str]) -> None:
    left = pandas_df[columns].reset_index(drop=True)
    right = sql_df[columns].reset_index(drop=True)
    assert len(left) == len(right) > 0
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize(
    "extract, query, params, columns",
    [
        (
            "court_sessions",
            "agent_share_by_month",
            {"area": HOME_AREA, "start": "2017-04", "end": "2018-03"},
            ["month", "sessions", "agent_sessions", "in_house_sessions", "agent_share"],
        ),
        (
            "court_sessions",
            "agent_share_by_month",
            {"area": "Staffordshire", "start": "2017-10", "end": "2017-12"},
            ["month", "sessions", "agent_sessions", "agent_share"],
        ),
        (
            "agent_spend",
            "agent_spend_by_month",
            {"area": "West Midlands", "start": "2017-04", "end": "2018-03"},
            ["month", "agent_fees", "counsel_fees", "total_spend", "agent_sessions", "payments"],
        ),
        (
            "case_outcomes",
            "conviction_rate_by_month",
            {"area": HOME_AREA, "crime_type": "All crime", "start": "2016-04", "end": "2017-03"},
            ["month", "convictions", "unsuccessful", "conviction_rate"],
        ),
        (
            "case_outcomes",
            "conviction_rate_by_month",
            {
                "area": "National",
                "crime_type": "Drugs Offences",
                "start": "2015-01",
                "end": "2015-12",
            },
            ["month", "convictions", "unsuccessful", "conviction_rate"],
        ),
        (
            "flagged_outcomes",
            "flagged_rate_by_court_type",
            {"area": HOME_AREA, "crime_type": "All crime", "start": "2017-04", "end": "2018-03"},
            ["flag", "court_type", "convictions", "unsuccessful", "cases", "conviction_rate"],
        ),
        # the four pages added later: Trials and witnesses, People, Victims, Casework quality
        (
            "trials",
            "trial_effectiveness_by_month",
            {
                "crime_type": "Domestic abuse",
                "area": HOME_AREA,
                "court_type": "Magistrates' court",
                "start": "2017-04",
                "end": "2018-03",
            },
            ["month", "trials", "effective", "cracked", "ineffective", "effective_rate"]
            + ["prosecution_attributed", "prosecution_attributed_rate"],
        ),
        (
            "training",
            "training_completion_by_month",
            {"staff_group": "Lawyer", "start": "2017-04", "end": "2018-03"},
            ["month", "due", "on_time", "late", "open_overdue", "not_yet_due", "on_time_rate"],
        ),
        (
            "vcl_letters",
            "vcl_letters_on_time_by_month",
            {
                "crime_type": "Hate crime",
                "area": "West Midlands",
                "start": "2017-04",
                "end": "2018-03",
            },
            ["month", "letters", "due", "on_time", "late", "sent_late", "unsent_overdue"]
            + ["not_yet_due", "on_time_rate"],
        ),
        (
            "tsj_reviews",
            "tsj_reviews_on_time_by_month",
            {
                "crime_type": "Drugs Offences",
                "area": HOME_AREA,
                "start": "2017-04",
                "end": "2018-03",
            },
            ["month", "due", "on_time", "late", "open_overdue", "not_yet_due", "on_time_rate"],
        ),
        (
            "disclosure_assessments",
            "disclosure_fully_met_by_month",
            {"area": "Staffordshire", "start": "2017-04", "end": "2018-03"},
            ["month", "answers", "fully_met", "partially_met", "not_met", "not_applicable"]
            + ["fully_met_rate"],
        ),
    ],
)
def test_pandas_way_gives_the_same_figures_as_the_query(tiny, extract, query, params, columns):
    wh, pw = tiny
    expected = wh.run_query(query, **params)
    got = pw.aggregate(extract, pw.read(extract), params)
    _same(got, expected, columns)


# ---- AppTest's own failures are told apart from the page's
def _raise_from(filename: str, exc: BaseException, name: str = "boom"):
    """Raise `exc` from a function `name` that says it lives in `filename`, as a real traceback
    shows it."""
    code = compile(f"def {name}(exc):\n    raise exc\n", filename, "exec")
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - test helper: a function whose frame names `filename`
    scope[name](exc)


TREE = "/venv/lib/python3.11/site-packages/streamlit/testing/v1/element_tree.py"
APP_TEST = "/venv/lib/python3.11/site-packages/streamlit/testing/v1/app_test.py"


@pytest.mark.parametrize(
    ("filename", "name", "exc", "harness"),
    [
        # AppTest reading its view of the last run, for the widgets' state, before the next run
        (TREE, "get_widget_states", KeyError("$$ID-30e1-crime_type"), True),
        (TREE, "format_func", KeyError("$$ID-30e1-crime_type"), False),  # not reading widgets
        (str(REPO / "pages" / "people.py"), "boom", KeyError("staff_group"), False),  # the page's
        (APP_TEST, "_run", RuntimeError("AppTest script run timed out after 600(s)"), False),
    ],
)
def test_an_error_from_apptests_element_tree_is_the_harness(filename, name, exc, harness):
    with pytest.raises(type(exc)) as info:
        _raise_from(filename, exc, name)
    assert run.harness_error(info.value) is harness


def test_an_error_reading_the_pages_output_after_it_ran_is_not_the_harness():
    """AppTest also parses a run's output with element_tree.py, after the script ran (`_run` in
    app_test.py): a failure there is not a visit that never started, so never retried (found in
    review)."""
    code = compile("def _run(exc):\n    boom(exc)\n", APP_TEST, "exec")
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - a frame that says it is AppTest's _run
    scope["boom"] = lambda exc: _raise_from(TREE, exc, "get_widget_states")
    with pytest.raises(KeyError) as info:
        scope["_run"](KeyError("$$ID-1-crime_type"))
    assert run.harness_error(info.value) is False


class _Session:
    """Stands in for an AppTest session: its run() raises the errors given, then runs."""

    exception: list = []

    def __init__(self, *errors: tuple[str, BaseException]):
        self.errors, self.runs = list(errors), 0

    def run(self):
        if self.errors:
            _raise_from(*self.errors.pop(0), "get_widget_states")
        self.runs += 1
        return self


def test_a_visit_is_run_again_after_the_harness_fails_and_counted_apart():
    """Sessions in threads of one process share AppTest's globals; now and then AppTest fails to
    read its own tree of the last run before the next one starts (a KeyError in element_tree.py).
    The visit is run again (up to twice), timed from the run that ran, and the failure counted as
    the harness's; a page's error is never retried."""
    at = _Session((TREE, KeyError("$$ID-1-crime_type")))
    t, errs, harness = run.run_visit(at)
    assert (at.runs, errs, len(harness)) == (1, [], 1) and t is not None and t >= 0
    assert "crime_type" in harness[0]

    at = _Session(*[(TREE, KeyError("$$ID-1-geography"))] * 3)  # the harness, three times
    t, errs, harness = run.run_visit(at)
    assert (at.runs, t, len(harness)) == (0, None, 2) and errs == ["KeyError('$$ID-1-geography')"]

    # given a way to start afresh, the third run is on a new session: the visit is timed there
    made: list = []

    def fresh():
        made.append(_Session())
        return made[-1]

    at = _Session(*[(TREE, KeyError("$$ID-1-funnel_level"))] * 3)
    t, errs, harness = run.run_visit(at, fresh=fresh)
    assert (at.runs, len(made), made[0].runs, errs, len(harness)) == (0, 1, 1, [], 2)
    assert t is not None and t >= 0
    at = _Session((TREE, KeyError("$$ID-1-crime_type")))  # once: the same session runs again
    t, errs, harness = run.run_visit(at, fresh=fresh)
    assert (at.runs, len(made), errs, len(harness)) == (1, 1, [], 1)

    at = _Session((str(REPO / "pages" / "people.py"), ValueError("bad figure")))
    t, errs, harness = run.run_visit(at)
    assert (at.runs, t, harness) == (0, None, []) and errs == ["ValueError('bad figure')"]

    class Unreadable(_Session):  # the run went; reading its exceptions failed
        @property
        def exception(self):
            _raise_from(TREE, KeyError("$$ID-1-geography"))

    at = Unreadable()
    t, errs, harness = run.run_visit(at)
    assert (at.runs, harness, errs) == (1, [], ["KeyError('$$ID-1-geography')"]) and t >= 0


def test_sessions_in_threads_keep_the_runtime_when_another_sessions_run_ends(monkeypatch):
    """AppTest sets `Runtime._instance` to its own mock when a run starts and to None when it
    ends. With sessions in threads, one session's run ending left another's script without a
    runtime ("Runtime hasn't been created!" in its script thread): that run stopped early, was
    timed short, and a replica process whose session hit it printed no result. The benchmark's
    sessions keep the runtime a run set, as a server's sessions share one."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_runner
    from streamlit.runtime.runtime import Runtime

    for owner, name in (
        (Runtime, "instance"),
        (Runtime, "exists"),
        (Runtime, "_instance"),
        (app_test, "ScriptCache"),
        (local_runner, "ScriptCache"),
        (local_runner, "require_widgets_deltas"),
    ):  # put back as they were after the test
        monkeypatch.setattr(owner, name, vars(owner)[name])
    run.server_like_apptest()
    assert local_runner.require_widgets_deltas is run.wait_for_run_end
    Runtime._instance = None
    assert not Runtime.exists()
    with pytest.raises(RuntimeError, match="hasn't been created"):
        Runtime.instance()
    one, two = object(), object()
    Runtime._instance = one  # session 1's run starts
    assert Runtime.instance() is one
    Runtime._instance = None  # session 2's run ends while session 1's script still runs
    assert Runtime.exists() and Runtime.instance() is one
    Runtime._instance = two
    assert Runtime.instance() is two


class _Runner:
    """A script runner as AppTest's wait sees it: its events and a shutdown to wait for."""

    def __init__(self, stopped: bool = False):
        from blinker import Signal

        self.on_event = Signal()
        self.stopped, self.stop_requested, self.joined = stopped, False, False

    def script_stopped(self) -> bool:
        return self.stopped

    def shut_down(self) -> None:
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent

        self.stopped = True
        self.on_event.send(self, event=ScriptRunnerEvent.SHUTDOWN)

    def request_stop(self) -> None:
        self.stop_requested = True

    def join(self) -> None:
        self.joined = True


def test_the_wait_for_a_run_ends_when_the_script_shuts_down_not_by_polling():
    """The benchmark waits for a session's run on the runner's shutdown event (AppTest woke every
    millisecond to look); it returns as the run ends, and times out as AppTest does."""
    import threading
    import time

    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    runner = _Runner(stopped=True)  # ended before the wait began
    run.wait_for_run_end(runner, timeout=5)
    assert not runner.stop_requested

    runner = _Runner()
    timer = threading.Timer(0.2, runner.shut_down)
    t0 = time.perf_counter()
    timer.start()
    run.wait_for_run_end(runner, timeout=5)
    waited = time.perf_counter() - t0
    assert 0.15 <= waited < 4 and not runner.stop_requested
    assert not runner.on_event.receivers  # its listener is gone once the run ended

    runner = _Runner()
    runner.on_event.send(runner, event=ScriptRunnerEvent.SCRIPT_STARTED)  # not the end
    with pytest.raises(RuntimeError, match="timed out after 0.3"):
        run.wait_for_run_end(runner, timeout=0.3)
    assert runner.stop_requested and runner.joined


def test_a_pages_queries_are_timed_as_the_page_runs_them():
    """Issue 11: the calls a page started ahead (recorded on the dashboard's query workers) run
    on a pool beside the others, which run in turn on the caller's thread; one still queued when
    the caller comes to it (the workers busy) the caller runs itself, as `ui.query` does. A change
    of filters keeps which is which."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from cjsperf import ui

    ran: list[tuple[str, str, dict]] = []
    taken = threading.Semaphore(0)  # released as each started call begins on a worker

    class Recording:
        def run_query(self, name, **params):
            ran.append((threading.current_thread().name, name, params))
            if name == "inline":  # the page's own call: until both started ones have begun
                assert taken.acquire(timeout=10) and taken.acquire(timeout=10)
            else:
                taken.release()
            return pd.DataFrame({"x": range(len(name))})

    calls = [
        run.Call("query", "trend", {"area": HOME_AREA, "start": "2016-04"}, True),
        run.Call("query", "by_team", {"start": "2017-04"}, True),
        run.Call("query", "inline", {"end": "2018-03"}),
    ]
    combo = {"months": ("2017-01", "2017-12"), "crime_type": "Hate crime", "geography": "National"}
    moved = run.with_filters(calls, combo)
    assert [c.side for c in moved] == [True, True, False]
    assert moved[0].params == {"area": "National", "start": "2017-01"}
    assert moved[2].params == {"end": "2017-12"}
    here = threading.current_thread().name
    with ThreadPoolExecutor(ui.PREFETCH_WORKERS, thread_name_prefix="pool") as pool:
        assert run.run_as_page(Recording(), moved, pool) == len("trend") + len("by_team") + 6
        threads = {name: thread for thread, name, _ in ran}
        assert threads["inline"] == here
        assert threads["trend"].startswith("pool") and threads["by_team"].startswith("pool")
        # Both workers busy: the started calls wait in the queue, and the caller runs them.
        ran.clear()
        release = threading.Event()
        busy = [pool.submit(release.wait, 10) for _ in range(ui.PREFETCH_WORKERS)]
        n = run.run_as_page(Recording(), [c for c in moved if c.side], pool)
        release.set()
        assert all(f.result() for f in busy)
    assert n == len("trend") + len("by_team")
    assert [(t, name) for t, name, _ in ran] == [(here, "trend"), (here, "by_team")]
    ran.clear()
    run.run_calls(Recording(), moved[:2])
    assert {thread for thread, _, _ in ran} == {here}
