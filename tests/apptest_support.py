"""Reading a finished Streamlit AppTest run: charts, metrics, captions. Shared by the page tests.

Import as `from tests.apptest_support import ...` (pyproject puts the repository root on the path).
Opening a page is a fixture in conftest.py (`open_app`, or `run_page` for a data folder of one's own).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


def values(v) -> list:
    """A trace's x or y: Plotly sends numbers as a base64 typed array ({'dtype', 'bdata'})."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def chart_specs(at) -> list[dict]:
    """Each chart's Plotly spec, in page order."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def charts(at) -> dict[str, dict]:
    """Each chart's spec by its headline (the bold first line of its title)."""
    return {
        spec["layout"]["title"]["text"]
        .split("</b>")[0]
        .removeprefix("<b>")
        .replace("<br>", " "): spec  # a long headline runs over two lines
        for spec in chart_specs(at)
    }


def chart(at, words: str, but_not: str = "\0") -> tuple[str, dict]:
    """(headline, spec) of the one chart whose headline has `words` and not `but_not`."""
    found = [(h, s) for h, s in charts(at).items() if words in h and but_not not in h]
    assert len(found) == 1, (words, list(charts(at)))
    return found[0]


def title_words(spec: dict) -> str:
    """A chart's title as it reads: markup dropped, its lines (wrapped to fit) joined by spaces."""
    import re

    text = spec["layout"]["title"]["text"].replace("<br>", " ")
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def metrics(at) -> dict[str, tuple[str, str | None]]:
    """{label: (value, delta)} of the page's st.metric tiles."""
    return {m.label: (m.value, m.delta) for m in at.metric}


def metric_values(at) -> dict[str, str]:
    """{label: value} of the page's st.metric tiles."""
    return {m.label: m.value for m in at.metric}


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def spc_line(spec: dict) -> dict:
    """The measure's own line on an SPC chart (the comparisons are light grey lines)."""
    return next(
        t for t in spec["data"] if t.get("mode") == "lines" and t["line"]["color"] == "#12436D"
    )


def spc_point(spec: dict, month: str) -> tuple[float, list]:
    """(value, hover data) of one month's marker on an SPC chart."""
    for t in spec["data"]:
        if t.get("mode") == "markers" and month in values(t["x"]):
            i = values(t["x"]).index(month)
            cd = t.get("customdata")
            if isinstance(cd, dict) and "bdata" in cd:  # a 2-d typed array, sent flat
                cols = int(str(cd.get("shape", "1")).split(",")[-1])
                flat = values(cd)
                cd = [flat[j : j + cols] for j in range(0, len(flat), cols)]
            return values(t["y"])[i], (list(cd[i]) if cd is not None else [])
    raise KeyError(month)


def open_table(at, key: str) -> pd.DataFrame:
    """Open the "Data table and downloads" expander under the chart `key` (the page reruns, as
    when a user opens it) and return the table it shows."""
    at.session_state[f"table_{key}"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [df.value for df in at.dataframe]
    assert len(shown) >= 1, f"no table under {key}"
    return shown[-1]
