"""The data behind a chart, as CSV and as an accessible Excel workbook (gptables).

The frame given here is exactly the one the chart was drawn from. The workbook follows the
Analysis Function's guidance for spreadsheets: a cover sheet (title, source, filters, definitions,
licence), one data table per sheet, no merged cells, a notes sheet.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def file_name(chart: str, filters: Mapping[str, str], ext: str) -> str:
    """`conviction-rate-by-month_drugs-offences_west-midlands_2018-03-to-2018-03.csv`."""
    parts = [slug(chart)] + [slug(v) for v in filters.values() if v]
    return "_".join(p for p in parts if p)[:180] + f".{ext}"


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def excel_bytes(
    df: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    filters: Mapping[str, str],
    definitions: Sequence[str] = (),
    synthetic: bool = False,
    licence: str = OGL,
) -> bytes:
    """An accessible workbook: Cover, Notes and one Data sheet with one table."""
    import gptables as gpt  # imported here: it loads xlsxwriter and is needed only on download

    table = df.copy()
    for col in table.columns:
        if table[col].dtype.kind == "f":
            table[col] = table[col].round(6)
        elif table[col].dtype == object or str(table[col].dtype) == "str":
            table[col] = table[col].astype("string").fillna("").astype(object)
    intro = [subtitle, "Filters: " + "; ".join(f"{k}: {v}" for k, v in filters.items() if v)]
    if synthetic:
        intro.append(
            "SYNTHETIC SAMPLE DATA: made by a generator for demonstration, not real CPS data."
        )
    about = [f"Source: {source}", *definitions, licence if not synthetic else ""]
    about = [a for a in about if a]
    gp_table = gpt.GPTable(
        table=table,
        table_name=slug(title).replace("-", "_")[:40] or "data",
        title=title,
        subtitles=[subtitle],
        source=f"Source: {source}",
        instructions="This worksheet contains one table. Some cells may be empty where there "
        "is no value.",
        table_notes={},
    )
    cover = gpt.Cover(title=title, intro=intro, about=about, contact=None, cover_label="Cover")
    notes = pd.DataFrame(
        {
            "Note number": [f"[note {i + 1}]" for i in range(len(about))],
            "Note text": about,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.xlsx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gpt.write_workbook(
                filename=str(path),
                sheets={"Data": gp_table},
                cover=cover,
                notes_table=notes,
                auto_width=True,
            )
        return path.read_bytes()
