"""`python -m cjsperf check` prints one aligned table of what loaded: every extract's row lines up
with the header, however long its name (disclosure_assessments is 22 characters)."""

from __future__ import annotations

from cjsperf.__main__ import main
from cjsperf.extracts import EXTRACTS
from tests.apptest_support import DATA


def test_check_table_is_aligned_for_the_longest_extract_name(capsys):
    assert main(["check", str(DATA)]) == 0
    lines = capsys.readouterr().out.splitlines()
    (i,) = [i for i, line in enumerate(lines) if line.startswith("extract ")]
    header, rule = lines[i], lines[i + 1]
    assert set(rule) == {"-"} and len(rule) == len(header)
    table = lines[i + 2 : lines.index("", i)]
    rows = {line.split()[0]: line for line in table}
    longest = max((e.name for e in EXTRACTS), key=len)
    assert longest == "disclosure_assessments" and longest in rows
    # the name column is as wide as the longest name, then one space before the files count
    width = len(longest)
    assert header.index("files") == width + 1  # 'files' right-aligned in 5 characters
    period = header.index("period")
    for name, line in rows.items():
        assert line[:width].rstrip() == name, line
        assert line[period - 2 : period] == "  " and line[period : period + 4].isdigit(), line
        # each count ends where its header ends
        for col in ("files", "not loaded", "rows loaded", "rows rejected", "warnings"):
            end = header.index(col) + len(col)
            assert line[end - 1].isdigit() and line[end] == " ", (name, col, line)
