"""Data quality: what is loaded, what was refused and why, and whether the published figures add up.

Not filtered by crime type, geography or period: it describes every file in the data folder.
"""

import pandas as pd
import streamlit as st

from cjsperf import downloads, ui
from cjsperf.extracts import BY_NAME, CASE_OUTCOMES, EXTRACTS
from cjsperf.filters import month_label, month_runs

MAX_SHOWN = 1000  # problem rows drawn on screen; the CSV has them all
PROBLEM_LABELS = {
    "severity": "Severity",
    "extract": "Extract",
    "file": "File",
    "line": "Line",
    "column": "Column",
    "value": "Value found",
    "expected": "What was expected",
    "record": "Raw record",
}

PROBLEM_WIDTHS = {
    "Problems": st.column_config.NumberColumn(format="localized", width="small"),
    "Severity": st.column_config.TextColumn(width="small"),
    "Extract": st.column_config.TextColumn(width="small"),
    "Line": st.column_config.NumberColumn(format="plain", width="small"),
    "Column": st.column_config.TextColumn(width="small"),
    "What was expected": st.column_config.TextColumn(width="large"),
}
REC_LABELS = {
    "month": "Month",
    "offence_category": "Offence category",
    "force_rows": "Forces loaded",
    "national_convictions": "National convictions",
    "forces_convictions": "Forces' convictions",
    "convictions_difference": "Convictions difference",
    "national_unsuccessful": "National unsuccessful",
    "forces_unsuccessful": "Forces' unsuccessful",
    "unsuccessful_difference": "Unsuccessful difference",
    "biggest_difference": "Biggest difference",
}


def extract_label(name: str) -> str:
    """'tasks' → 'Case management tasks' (the contract's title without its bracket)."""
    e = BY_NAME.get(name)
    return e.title.split(" (")[0] if e else "Reference lists" if name == "reference" else name


def kind(name: str) -> str:
    e = BY_NAME.get(name)
    return "" if e is None else "Synthetic sample" if e.synthetic else "Real (CPS published)"


def fmt_day(ts) -> str:
    return "" if pd.isna(ts) else f"{ts.day} {ts:%b %Y}"


def fmt_period(name: str, first, last) -> str:
    if pd.isna(first):
        return "nothing loaded"
    if BY_NAME[name].period_column == "month":
        return f"{month_label(f'{first:%Y-%m}')} to {month_label(f'{last:%Y-%m}')}"
    return f"{fmt_day(first)} to {fmt_day(last)}"


def csv_button(label: str, data: pd.DataFrame, name: str, key: str) -> None:
    st.download_button(
        label,
        data=lambda: downloads.csv_bytes(data),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def load_report() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """What each extract loaded, every problem, and how many forces the list holds: read once per
    load of the data (`ui.per_load`), as only a new load changes them."""

    def make():
        wh = ui.warehouse()
        forces = int(wh.sql("SELECT count(*) AS n FROM ref_force_areas")["n"].iloc[0])
        return wh.summary(), wh.problems(), forces

    return ui.per_load("load_report", make)


ui.page_header(
    "Data quality",
    "What the dashboard has loaded from each extract, every file or row it refused and why, "
    "and whether the published figures add up.",
    synthetic=False,
)
st.caption(
    ":material/info: This page is not filtered: it covers every extract, crime type, area and month loaded, "
    "whatever the sidebar says."
)
try:
    wh = ui.warehouse()
    if wh.notice:
        st.info(ui.literal(wh.notice))
    summary, problems, forces = load_report()
except Exception as exc:  # a broken data folder must never take the page down
    st.error(f"The load report could not be read: {ui.literal(str(exc).splitlines()[0])}")
    st.stop()

# ---- What is loaded
st.subheader("What is loaded")
table = pd.DataFrame(
    {
        "Extract": summary["extract"].map(extract_label),
        "Data": summary["extract"].map(kind),
        "Files": summary["files"],
        "Files refused": summary["files_not_loaded"],
        "Rows loaded": summary["rows_loaded"],
        "Rows rejected": summary["rows_rejected"],
        "Warnings": summary["warnings"],
        "Period covered": [
            fmt_period(n, a, b)
            for n, a, b in zip(summary["extract"], summary["first_date"], summary["last_date"])
        ],
        "Last changed (UTC)": summary["last_changed"].map(
            lambda t: "" if pd.isna(t) else f"{fmt_day(t)}, {t:%H:%M}"
        ),
    }
)
NUMBERS = ["Files", "Files refused", "Rows loaded", "Rows rejected", "Warnings"]
st.table(
    table.style.format("{:,}", subset=NUMBERS)
    .set_properties(subset=NUMBERS, **{"text-align": "right"})
    .hide(axis="index")
)
st.caption(
    "A row is one line of a file (a case outcomes line holds a force's 12 offence categories). "
    "A rejected row is left out of every chart; a row with a warning is loaded."
)

files = ui.query("dq_files")
with st.expander(f"All {len(files):,} files and their status", expanded=False):
    if files.empty:
        st.info("No files were found in the data folder.")
    else:
        shown_files = files.assign(
            extract=files["extract"].map(extract_label),
            modified=files["modified"].map(lambda t: f"{fmt_day(t)}, {t:%H:%M}"),
        ).rename(columns=lambda c: c.replace("_", " ").capitalize())
        st.dataframe(shown_files, hide_index=True, width="stretch")

# ---- Months missing from the published series
st.subheader("Months missing from the published CPS series")
months = ui.query("dq_months_loaded")
if months.empty:
    st.info("No CPS case outcomes are loaded.")
else:
    gone = months[~months["loaded"]]
    span = f"{month_label(months['month'].iloc[0])} to {month_label(months['month'].iloc[-1])}"
    if gone.empty:
        st.markdown(f"Every month from {span} is loaded ({len(months)} months).")
    else:
        st.markdown(
            f"**{len(months) - len(gone)} of the {len(months)} months** from {span} are loaded. "
            f"Missing: **{'; '.join(month_runs(gone['month'].tolist()))}**. Charts leave a gap "
            "for these months rather than joining across them."
        )
        refused = gone[gone["refused_files"].notna()]
        for _, r in refused.iterrows():
            st.warning(
                f"{month_label(r['month'])}: a file was found but refused "
                f"({ui.literal(r['refused_files'])}); see the problems below."
            )
        if len(refused) < len(gone):
            st.caption(
                f"{'The other' if len(refused) else 'These'} missing months have no file in the "
                "data folder."
            )
    short = months[months["loaded"] & (months["force_rows"] < forces)]
    if len(short):
        st.warning(
            f"Fewer than {forces} police force areas loaded in "
            + ", ".join(
                f"{month_label(m)} ({n})" for m, n in zip(short["month"], short["force_rows"])
            )
            + ": totals for those months are incomplete; the problems below name the forces "
            "missing or refused."
        )

# ---- Rejected rows and warnings
st.subheader("Rejected rows and warnings")
if problems.empty:
    st.success("Every row of every file loaded: no rows were rejected and there are no warnings.")
else:
    n_err = int((problems["severity"] == "error").sum())
    st.markdown(
        f"**{n_err:,} errors** (the file or line was not loaded) and "
        f"**{len(problems) - n_err:,} warnings** (loaded, but check it)."
    )
    names = list(dict.fromkeys(problems["extract"]))
    left, right = st.columns(2)
    chosen = left.multiselect(
        "Extract", names, default=names, format_func=extract_label, key="dq_extract"
    )
    sev = right.multiselect(
        "Severity", ["error", "warning"], default=["error", "warning"], key="dq_severity"
    )
    picked = problems[problems["extract"].isin(chosen) & problems["severity"].isin(sev)]
    shown = picked.assign(
        extract=picked["extract"].map(extract_label),
        line=picked["line"].astype("Int64"),
        column=picked["column"].fillna(""),
        value=picked["value"].fillna(""),
        record=picked["record"].fillna(""),
    ).rename(columns=PROBLEM_LABELS)
    if shown.empty:
        st.info("No problems match the extracts and severities chosen.")
    else:
        by_reason = (
            shown.groupby(["Severity", "File", "Column", "What was expected"], dropna=False)
            .size()
            .reset_index(name="Problems")
            .sort_values("Problems", ascending=False)
        )[["Problems", "Severity", "File", "Column", "What was expected"]]
        st.markdown("**By file and reason**")
        st.dataframe(by_reason, hide_index=True, width="stretch", column_config=PROBLEM_WIDTHS)
        st.markdown(
            "**Each problem**, with its line's fields as they were read, in the extract's column "
            "order (a quoted value without its quotes; a field beyond the header's left out)"
        )
        if len(shown) > MAX_SHOWN:
            st.caption(f"Showing the first {MAX_SHOWN:,} of {len(shown):,}; the CSV has them all.")
        st.dataframe(
            shown.head(MAX_SHOWN), hide_index=True, width="stretch", column_config=PROBLEM_WIDTHS
        )
        csv_button("Download these problems (CSV)", shown, "data-quality-problems", "dq_csv")

# ---- Reconciliations
st.subheader("Do the figures add up?")
rec = ui.query("dq_national_reconciliation")
if rec.empty:
    st.info("No CPS case outcomes are loaded, so there is nothing to reconcile.")
else:
    bad = rec[~rec["matches"]]
    st.markdown(
        "**National equals the sum of the police force areas**, for each month and offence "
        "category (administratively finalised included), in convictions and unsuccessful."
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("Month and category checks", f"{len(rec):,}")
    c2.metric("Mismatches", f"{len(bad):,}")
    c3.metric(
        "Biggest difference (defendants)", f"{int(rec['biggest_difference'].fillna(0).max()):,}"
    )
    if bad.empty:
        st.success(
            f"All {len(rec):,} checks match over {rec['month'].nunique()} months: the National "
            "row is exactly the sum of the force area rows."
        )
    else:
        worst = bad.sort_values("biggest_difference", ascending=False, na_position="first")
        st.warning(
            f"{len(bad):,} month and category "
            + ("total does" if len(bad) == 1 else "totals do")
            + " not match (a missing National row shows as an empty difference). "
            "The biggest differences:"
        )
        st.dataframe(
            worst[list(REC_LABELS)].head(20).rename(columns=REC_LABELS),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(format="localized")
                for c in list(REC_LABELS.values())[2:]
            },
        )
    csv_button("Download the reconciliation (CSV)", rec, "national-reconciliation", "dq_rec_csv")

agents = ui.query("dq_agent_sessions_reconciliation")
if len(agents):
    a_bad = agents[~agents["matches"]]
    st.markdown(
        "**Agent sessions paid for equal court sessions prosecuted by an agent** (synthetic "
        f"extracts), per month and force: {len(agents):,} checks, {len(a_bad):,} mismatches"
        + (
            f", biggest difference {int(a_bad['difference'].abs().max()):,} sessions."
            if len(a_bad)
            else "."
        )
    )
    if len(a_bad):
        st.dataframe(
            a_bad.reindex(a_bad["difference"].abs().sort_values(ascending=False).index).head(20),
            hide_index=True,
            width="stretch",
        )

# ---- About the data
st.subheader("About the data")
real = [extract_label(e.name) for e in EXTRACTS if not e.synthetic]
fake = [extract_label(e.name) for e in EXTRACTS if e.synthetic]
st.markdown(
    f"- **Real, published data:** {', '.join(real)}. Source: {ui.CPS_SOURCE}. {downloads.OGL}\n"
    f"- {ui.CPS_CAVEAT}\n"
    f"- **Synthetic sample data** (made by `python -m cjsperf sample`, not real CPS figures): "
    f"{', '.join(fake)}. Pages showing them say so."
)

st.subheader("Adding next month's data")
st.markdown(
    f"Drop the next month's CSV, exactly as CPS publishes it, into `data/{CASE_OUTCOMES.name}/<year>/` "
    "(for example `data/case_outcomes/2018/Principal_Offence_Category_Apr.csv`). The dashboard "
    "picks it up within seconds, without a restart: open or refresh a page and the new month is "
    "there, and this page lists the file with any problem found. "
    "A file or row with a problem is named here with its line and column; everything else still "
    "loads. `data/README.md` gives the columns each extract must have."
)
