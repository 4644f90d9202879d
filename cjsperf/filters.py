"""The shared filters: crime type, period, geography and comparison, kept in the URL.

The pure part (options, parsing and writing query parameters, period choices) is testable without
Streamlit; `render_sidebar` draws the widgets. `st.session_state` is the source of truth: it is
filled from `st.query_params` once per session and written back to `st.query_params` on every run,
so a link reproduces a view and the view survives moving between pages (see README, "Pitfalls").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cjsperf.extracts import AREA_FORCES, CRIME_TYPES, HOME_AREA
from cjsperf.headlines import literal

GEOGRAPHIES: tuple[str, ...] = (HOME_AREA, *AREA_FORCES)
DEFAULT_COMPARE: tuple[str, ...] = ("National",)
KEYS = ("crime_type", "geography", "compare", "start", "end")
DEFAULT_MONTHS = 12  # the default period: the latest 12 months; a link with only an end, 12 to it
# "Compare with" emptied: written to the link as compare=none, because a parameter with no values
# leaves the URL, and a link without compare means the default comparison (National).
NO_COMPARISON = "none"


def month_label(month: str) -> str:
    """'2018-03' → 'Mar 2018'."""
    year, mon = month.split("-")
    return f"{calendar.month_abbr[int(mon)]} {year}"


def period_label(start: str, end: str) -> str:
    if start == end:
        return month_label(start)
    fy = financial_year(start)
    if start.endswith("-04") and end == f"{int(fy[:4]) + 1}-03":
        return f"FY {fy} ({month_label(start)} to {month_label(end)})"
    return f"{month_label(start)} to {month_label(end)}"


def financial_year(month: str) -> str:
    """'2018-03' → '2017-18' (1 April to 31 March)."""
    year, mon = int(month[:4]), int(month[5:7])
    first = year if mon >= 4 else year - 1
    return f"{first}-{str(first + 1)[2:]}"


def shift_month(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    total = year * 12 + mon - 1 + n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_runs(months: list[str]) -> list[str]:
    """['2016-02', '2016-03', '2017-04'] → ['Feb–Mar 2016', 'Apr 2017']."""
    runs: list[list[str]] = []
    for m in months:
        if runs and shift_month(runs[-1][1], 1) == m:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    out = []
    for a, b in runs:
        if a == b:
            out.append(month_label(a))
        elif a[:4] == b[:4]:
            out.append(f"{month_label(a)[:3]}–{month_label(b)}")
        else:
            out.append(f"{month_label(a)}–{month_label(b)}")
    return out


def coverage_note(
    months: Sequence[str], loaded: Iterable[str], missing: str = "not published"
) -> str:
    """What part of a period the data covers: '' when every month of `months` is in `loaded`,
    else e.g. '9 of 12 months; Apr–Jun 2017 not published' (the missing months named as runs)."""
    have = set(loaded)
    gone = [m for m in months if m not in have]
    if not gone:
        return ""
    n = len(months)
    return (
        f"{n - len(gone)} of {n} month{'s' if n != 1 else ''}; "
        f"{', '.join(month_runs(gone))} {missing}"
    )


def nothing_to_show(
    f: Filters,
    what: str,
    loaded: Sequence[str] | None,
    crime_type: str | None,
    missing: str = "not in the extract",
    extracts: int = 1,
) -> str:
    """Why a page or chart has nothing to show, and what to do: the months the extract holds
    (`loaded`, ascending; None when unknown) when the period has none of them, else a wider
    period, or another crime type when one narrowed the data. `crime_type`: the crime type the
    data was narrowed to, or None when the data has none (it is then not named). `extracts`: how
    many extracts `loaded` joins (the words are then plural)."""
    data, s = ("the extracts", "") if extracts > 1 else ("the extract", "s")
    where = f.geography if crime_type is None else f"{f.geography}, {crime_type.lower()}"
    head = f"No {what} for {where}, {f.period}"
    if loaded is not None and not loaded:
        return f"{head}: {data} hold{s} none."
    if loaded is not None and not set(loaded).intersection(f.months):
        first, last = loaded[0], loaded[-1]
        if f.end < first:
            why = f"{data} start{s} in {month_label(first)}"
        elif f.start > last:
            why = f"{data} end{s} in {month_label(last)}"
        else:
            why = f"{', '.join(month_runs(f.months))} {missing}"
        return f"{head}: {why}. Choose a period from {month_label(first)} to {month_label(last)}."
    other = " or another crime type" if crime_type not in (None, "All crime") else ""
    return f"{head}. Choose a wider period{other}."


def period_choices(months: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Quick choices for the period: latest month, latest 12 months, each financial year and
    quarter that the months cover (newest first), clipped to the months available."""
    if not months:
        return {}
    first, last = months[0], months[-1]
    choices: dict[str, tuple[str, str]] = {
        f"Latest month ({month_label(last)})": (last, last),
        "Latest 12 months": (max(first, shift_month(last, -11)), last),
        "All months": (first, last),
    }
    fys = sorted({financial_year(m) for m in months}, reverse=True)
    for fy in fys:
        s, e = f"{fy[:4]}-04", f"{int(fy[:4]) + 1}-03"
        choices[f"FY {fy}"] = (max(s, first), min(e, last))
    for fy in fys:
        for q in (4, 3, 2, 1):
            s = shift_month(f"{fy[:4]}-04", 3 * (q - 1))
            e = shift_month(s, 2)
            if e < first or s > last:
                continue
            label = f"{fy} Q{q} ({month_label(s)[:3]} to {month_label(e)})"
            choices[label] = (max(s, first), min(e, last))
    return choices


@dataclass(frozen=True)
class Options:
    months: tuple[str, ...]  # every month any extract covers, YYYY-MM, ascending
    compare: tuple[str, ...]  # National, other CPS Areas ("CPS <name>"), forces

    @property
    def default_period(self) -> tuple[str, str]:
        return self.months_to(self.months[-1])

    def months_to(self, end: str) -> tuple[str, str]:
        """The DEFAULT_MONTHS months to `end`, or from the first month loaded if it holds fewer."""
        return (max(self.months[0], shift_month(end, 1 - DEFAULT_MONTHS)), end)


@dataclass(frozen=True)
class Filters:
    crime_type: str = "All crime"
    geography: str = HOME_AREA
    compare: tuple[str, ...] = DEFAULT_COMPARE
    start: str = ""
    end: str = ""
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def period(self) -> str:
        return period_label(self.start, self.end)

    @property
    def months(self) -> list[str]:
        """Every month of the period, YYYY-MM."""
        out, m = [], self.start
        while m and m <= self.end:
            out.append(m)
            m = shift_month(m, 1)
        return out

    def params(self, **extra) -> dict[str, str]:
        """The common query parameters."""
        return {
            "crime_type": self.crime_type,
            "area": self.geography,
            "start": self.start,
            "end": self.end,
            **extra,
        }

    def for_file(self) -> dict[str, str]:
        """What goes in a download's file name and cover sheet."""
        return {
            "Crime type": self.crime_type,
            "Geography": self.geography,
            "Period": f"{self.start} to {self.end}",
        }


def default_state(options: Options) -> dict:
    start, end = options.default_period
    return {
        "crime_type": "All crime",
        "geography": HOME_AREA,
        "compare": list(DEFAULT_COMPARE),
        "start": start,
        "end": end,
    }


def parse_query_params(qp: Mapping[str, Sequence[str]], options: Options) -> tuple[dict, list[str]]:
    """Filter state from URL parameters (each a list of values); invalid values are ignored and
    described in notices, never raised."""
    state = default_state(options)
    notices: list[str] = []

    def one(key: str) -> str | None:
        values = qp.get(key) or []
        return values[-1] if values else None

    ct = one("crime_type")
    if ct is not None:
        if ct in CRIME_TYPES:
            state["crime_type"] = ct
        else:
            notices.append(
                f"The link's crime type {literal(ct)} is not one the dashboard knows, so "
                "All crime is shown."
            )
    geo = one("geography")
    if geo is not None:
        if geo in GEOGRAPHIES:
            state["geography"] = geo
        else:
            notices.append(
                f"The link's geography {literal(geo)} is not the Area or one of its four "
                f"forces, so {HOME_AREA} is shown."
            )
    if "compare" in qp:  # compare=none (or an empty compare=): no comparison
        wanted = [v for v in qp.get("compare") or [] if v and v != NO_COMPARISON]
        good = [v for v in wanted if v in options.compare]
        bad = [v for v in wanted if v not in options.compare]
        state["compare"] = good
        if bad:
            notices.append(
                "The link's comparison "
                + ", ".join(literal(b) for b in bad)
                + " is not a known area or force and was left out."
            )
    period, fault = _period_of_link(one("start") or None, one("end") or None, options)
    if period:
        state["start"], state["end"] = period
    if fault:
        notices.append(f"The link's {fault}.")
    return state, notices


def _period_of_link(
    start: str | None, end: str | None, options: Options
) -> tuple[tuple[str, str] | None, str]:
    """The period a link's start and end (None: not in the link) ask for, and what is wrong with
    them ("" if nothing) followed by what is shown instead, naming only what the link gave. Only a
    start (or a good start and a bad end): from it to the latest month loaded; only an end (or a
    bad start and a good end): `Options.months_to` it."""
    if start is None and end is None:
        return None, ""
    bad = [(w, v) for w, v in (("start", start), ("end", end)) if v is not None]
    bad = [(w, v) for w, v in bad if v not in options.months]
    loaded = f"is not within the months loaded ({options.months[0]} to {options.months[-1]})"
    latest = f"so the latest {DEFAULT_MONTHS} months are shown"
    if len(bad) == 2 or (bad and None in (start, end)):
        which = (
            f"period {literal(start)} to {literal(end)}"
            if len(bad) == 2
            else f"{bad[0][0]} month {literal(bad[0][1])}"
        )
        return None, f"{which} {loaded}, {latest}"
    if bad and bad[0][0] == "end":
        last = options.months[-1]
        shown = f"so {start} to the latest month loaded, {last}, is shown"
        return (start, last), f"end month {literal(end)} {loaded}, {shown}"
    if bad:
        first, _ = period = options.months_to(end)
        shown = (
            f"so the {DEFAULT_MONTHS} months to {end} are shown"
            if shift_month(end, 1 - DEFAULT_MONTHS) == first
            else f"so the months to {end} are shown, from {first}"
        )
        return period, f"start month {literal(start)} {loaded}, {shown}"
    if start is None:
        return options.months_to(end), ""
    if end is None:
        return (start, options.months[-1]), ""
    if start > end:
        return None, f"period starts ({literal(start)}) after it ends ({literal(end)}), {latest}"
    return (start, end), ""


def to_query_params(state: Mapping) -> dict[str, str | list[str]]:
    return {
        "crime_type": state["crime_type"],
        "geography": state["geography"],
        "compare": list(state["compare"]) or [NO_COMPARISON],
        "start": state["start"],
        "end": state["end"],
    }


# ------------------------------------------------------------------------- Streamlit
def _clear_notices() -> None:
    import streamlit as st

    st.session_state["_filter_notices"] = []


def _apply_quick_period(choices: Mapping[str, tuple[str, str]]) -> None:
    import streamlit as st

    label = st.session_state.get("quick_period")
    if label in choices:
        st.session_state["months"] = choices[label]
    _clear_notices()


def render_sidebar(options: Options) -> Filters:
    """Draw the shared filters in the sidebar and return them; keeps the URL in step."""
    import streamlit as st

    ss = st.session_state
    if not ss.get("_filters_ready"):
        qp = {k: st.query_params.get_all(k) for k in st.query_params}
        state, notices = parse_query_params(qp, options)
        ss["crime_type"] = state["crime_type"]
        ss["geography"] = state["geography"]
        ss["compare"] = state["compare"]
        ss["months"] = (state["start"], state["end"])
        ss["_filter_notices"] = notices
        ss["_filters_ready"] = True
    # Widgets in the entrypoint keep their values across pages; re-assert the state so a value
    # that came from the URL is not lost when the page changes.
    for key in ("crime_type", "geography", "compare", "months"):
        ss[key] = ss[key]
    # A period that is not two loaded months (the data folder changed) falls back to the default.
    months = ss["months"]
    if not (
        isinstance(months, (tuple, list))
        and len(months) == 2
        and all(m in options.months for m in months)
    ):
        ss["months"] = options.default_period

    choices = period_choices(options.months)
    with st.sidebar:
        st.markdown("### Filters")
        st.selectbox(
            "Crime type",
            CRIME_TYPES,
            key="crime_type",
            on_change=_clear_notices,
            help="All crime, a flag (hate crime, domestic abuse) or a CPS principal "
            "offence category. Pages whose data has no crime type say so.",
        )
        st.selectbox(
            "Period: quick choice",
            list(choices),
            index=None,
            key="quick_period",
            placeholder="Choose a year, quarter or month…",
            on_change=_apply_quick_period,
            args=(choices,),
        )
        st.select_slider(
            "Months",
            options=list(options.months),
            key="months",
            # A range default makes the widget a range slider: without it Streamlit reads the two
            # values the browser sends back as one, so the period collapsed to the first month.
            value=options.default_period,
            format_func=month_label,
            on_change=_clear_notices,
        )
        st.selectbox(
            "Geography",
            GEOGRAPHIES,
            key="geography",
            on_change=_clear_notices,
            help="CPS West Midlands is its four police force areas together.",
        )
        st.multiselect(
            "Compare with",
            list(options.compare),
            key="compare",
            on_change=_clear_notices,
            help="National, another CPS Area (its forces summed) or a police force "
            "area. Sample extracts cover only the four West Midlands forces.",
        )
    start, end = ss["months"]
    filters = Filters(
        ss["crime_type"],
        ss["geography"],
        tuple(ss["compare"]),
        start,
        end,
        tuple(ss.get("_filter_notices", [])),
    )
    st.query_params.from_dict(
        to_query_params(
            {
                "crime_type": filters.crime_type,
                "geography": filters.geography,
                "compare": filters.compare,
                "start": start,
                "end": end,
            }
        )
    )
    return filters
