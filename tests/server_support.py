"""`streamlit run dashboard.py` as a user starts it, for the tests that need a real server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.apptest_support import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    """(status, body) of a GET, an HTTP error's status included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.contextmanager
def dashboard(
    env: dict[str, str], log: Path, *, ready: str = "/_stcore/health", what: str = "the dashboard"
):
    """The dashboard on a free port with `env` over this process's environment (CJSPERF_DATA
    dropped: it reads the repository's data/ unless told otherwise); yields its base URL once
    `ready` answers 200, and stops it afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CJSPERF_DATA"} | env
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py"]
            + ["--server.port", str(port), "--server.headless", "true"]
            + ["--browser.gatherUsageStats", "false"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{what} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if get(f"{base}{ready}")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not answer in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
