"""The data behind a chart, as CSV and as an accessible Excel workbook (gptables).

The frame given here is exactly the one the chart was drawn from. The workbook follows the
Analysis Function's guidance for spreadsheets: a cover sheet (title, source, filters, definitions,
licence), one data table per sheet, no merged cells, a notes sheet.
"""

from __future__ import annotations

import html
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
    """The rows as drawn, for analysts: the query's own column names and plain values."""
    return df.to_csv(index=False).encode("utf-8")


_TAG = re.compile(r"<[^>]+>")
_ICON = re.compile(r":material/[a-z_]+:\s*")
MONTH_RE = _MONTH = re.compile(r"^\d{4}-\d{2}$")
MONTH_FORMAT = "mmm yyyy"  # shown 'Mar 2018'
DAY_FORMAT = "d mmm yyyy"


def plain(text: str) -> str:
    """Text for a cell: no HTML (a `<br>` becomes ', '), no Markdown bold, no Streamlit icons."""
    text = re.sub(r"\s*<br\s*/?>\s*", ", ", str(text))
    text = _ICON.sub("", _TAG.sub("", text)).replace("**", "")
    return html.unescape(text).strip()


def header(column: str, labels: Mapping[str, str]) -> str:
    """The column's label as on screen ('Agent fees (£)'), else its name in words."""
    if column in labels:
        return plain(labels[column])
    words = str(column).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _decimals(values: pd.Series) -> int:
    """Decimal places a column needs (at most 2), the same for every row: 85 beside 85.2 → 1."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    for d in (0, 1):
        if ((v * 10**d).round(6) % 1 == 0).all():
            return d
    return 2


def number_format(values: pd.Series, label: str = "") -> str:
    """'#,##0', '#,##0.0' or '#,##0.00': thousands separators and one precision per column;
    pounds with pence to two places, percentages to at least one."""
    d = 0 if pd.api.types.is_integer_dtype(values) else _decimals(values)
    if "%" in label and not pd.api.types.is_integer_dtype(values):
        d = max(d, 1)
    if "£" in label and d:
        d = 2
    return "#,##0" + ("." + "0" * d if d else "")


def workbook_table(
    df: pd.DataFrame, column_labels: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame as the Data sheet holds it, and each column's number format: headers in words,
    months (YYYY-MM) as real dates shown 'Mar 2018', text without markup, numbers as numbers."""
    labels = dict(column_labels or {})
    table = pd.DataFrame(index=df.index)
    formats: dict[str, str] = {}
    for col in df.columns:
        name = header(col, labels)
        while name in table.columns:  # headers stay unique
            name += " "
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            table[name] = s.map({True: "Yes", False: "No"}).astype(object)
        elif pd.api.types.is_numeric_dtype(s):
            values = s.astype("float64") if s.dtype.kind == "f" else s
            table[name] = values.round(6) if s.dtype.kind == "f" else values
            formats[name] = number_format(s, name)
        elif pd.api.types.is_datetime64_any_dtype(s):
            table[name] = s.dt.tz_localize(None) if s.dt.tz is not None else s
            table[name] = table[name].dt.to_pydatetime().astype(object)
            formats[name] = DAY_FORMAT
        else:
            text = s.astype("string")
            filled = text.dropna()
            if len(filled) and filled.str.match(_MONTH).all():
                table[name] = pd.to_datetime(text + "-01", errors="coerce").astype(object)
                table[name] = table[name].where(table[name].notna(), None)
                formats[name] = MONTH_FORMAT
            else:
                table[name] = text.fillna("").astype(object)  # data as it is
    return table, formats


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
    column_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    as_at: str = "",
    produced: str = "",
) -> bytes:
    """An accessible workbook: Cover, Notes and one Data sheet with one table.

    Headers in words with units (`column_labels`, as on screen), numbers formatted with
    thousands separators and one precision per column, months as dates, plain text; the cover
    says when it was produced, what the data are as at, every filter and every note the chart
    carries (`notes`, e.g. the months an extract lacks)."""
    import gptables as gpt  # imported here: it loads xlsxwriter and is needed only on download

    table, formats = workbook_table(df, column_labels)
    title, subtitle, source = plain(title), plain(subtitle), plain(source).replace("`", "")
    intro = [subtitle, "Filters: " + "; ".join(f"{k}: {plain(v)}" for k, v in filters.items() if v)]
    dates = [f"Produced on {produced}." if produced else "",
             f"Data as at {as_at}." if as_at else ""]  # fmt: skip
    intro += [d for d in dates if d]
    if synthetic:
        intro.append(
            "SYNTHETIC SAMPLE DATA: made by a generator for demonstration, not real CPS data."
        )
    about = [f"Source: {source}", *(plain(n) for n in notes), *(plain(d) for d in definitions),
             licence if not synthetic else ""]  # fmt: skip
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
        additional_formatting=[
            {"column": {"columns": [c], "format": {"num_format": f}, "include_names": False}}
            for c, f in formats.items()
        ],
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
