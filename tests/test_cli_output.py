"""The command line's output: values from files printed escaped, and a closed pipe ends it quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_ingest import T4, TASKS, TASKS_HEADER, make_base, write

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "cjsperf", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_check_prints_control_characters_escaped(tmp_path):
    data = make_base(tmp_path / "data")
    # A team name that would turn a terminal red and ring its bell, and one with the one-byte
    # control sequence introducer (C1) that clears the screen.
    bad = "T5,\x1b[31mRASSO\x07,Case review,Robbery,2017-11-02,2017-11-09,"
    bad2 = "T6,RASSO\x9b2J,Case review,Robbery,2017-11-02,2017-11-09,"
    write(data, "tasks/tasks_2017_11.csv", [TASKS_HEADER, T4, bad, bad2])
    # A file whose name clears the screen, giving task T1 again: the name is in the "where" of
    # its own problems and in the reason given for the other T1.
    write(data, "tasks/tasks_\x1b[2J.csv", [TASKS_HEADER, TASKS[0].replace("T1,", "T1,", 1)])
    done = run_cli("check", str(data))
    assert done.returncode == 1
    out = done.stdout
    assert not any(c in out for c in "\x1b\x07\x9b")
    (line,) = [x for x in out.splitlines() if "tasks_2017_11.csv, line 3, column team" in x]
    assert "found '\\x1b[31mRASSO\\x07'; expected one of: " in line
    (line,) = [x for x in out.splitlines() if "tasks_2017_11.csv, line 4, column team" in x]
    assert "found 'RASSO\\x9b2J'; expected one of: " in line
    # 'tasks/tasks_\x1b[2J.csv' sorts before 'tasks/tasks_2017_10.csv' ('\x1b' < '2'): its T1 is kept
    (line,) = [x for x in out.splitlines() if "tasks_2017_10.csv, line 2, column task_id" in x]
    assert line.endswith(
        "found 'T1'; expected each task id once; already at tasks/tasks_\\x1b[2J.csv line 2"
    )


@pytest.mark.parametrize(
    "args", [("query", "--list"), ("query", "conviction_rate_by_month"), ("check",)]
)
def test_a_closed_pipe_ends_quietly(args, tmp_path):
    data = make_base(tmp_path / "data")
    env = {**os.environ, "CJSPERF_DATA": str(data), "CJSPERF_DB": str(tmp_path / "db.duckdb")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cjsperf", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # as `| head` does once it has what it wants: before anything is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == ""
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports `yes | head`


def test_an_unexpected_failure_is_one_plain_line_not_a_traceback(monkeypatch, capsys):
    import cjsperf.__main__ as cli

    def broken(argv):
        raise AttributeError("'Pandas' object has no attribute 'first_date'")

    monkeypatch.setattr(cli, "main", broken)
    assert cli.run(["pack", "--out", "x.html"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines() == [
        "cjsperf: stopped by an unexpected error (AttributeError: 'Pandas' object has no "
        "attribute 'first_date'). Please report it with the command you ran."
    ]
