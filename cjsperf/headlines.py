"""Words for charts and tiles, computed from the data: headlines, changes, statuses against target."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# A rate resting on fewer cases than this is flagged as too few to compare.
FEW_CASES = 50


def literal(value: object) -> str:
    """`value` as literal text inside st.markdown / st.caption / st.warning / st.error, for every
    value that comes from a link or a data file (a link's crime type, a file name, an error).

    It becomes a Markdown code span: shown exactly as typed, in a monospace font, with nothing in
    it acted on: not Markdown (`[Sign in](https://…)` is no link), not HTML (`<b>` is no bold),
    not a bare address (Streamlit's Markdown turns https://…, www.… and e-mail addresses in
    ordinary text into links even when every character is backslash-escaped), not Streamlit's
    `:icons:` or `$maths$`. Line breaks become spaces (a span is one line).
    """
    text = " ".join(str(value).split())
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"  # one space inside each fence is not shown


def half_up(value: float | int | Decimal, places: int) -> Decimal:
    """`value` rounded half-up (halves away from zero) to `places` decimals, as CPS publishes.

    Works on the decimal the number is written as (`str(value)`: 94.85, not the binary
    94.8499999…), in decimal arithmetic: half_up(0.125, 2) = 0.13, half_up(2.5, 0) = 3.
    """
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: float | None, unit: str) -> str:
    """94.85 '%' → '94.9%'; 351234.5 '£' → '£351,235'; 1234 'tasks' → '1,234 tasks' (half-up)."""
    if _missing(value):
        return "no data"
    if unit == "%":
        return f"{half_up(value, 1):,.1f}%"
    if unit == "£":
        return f"£{half_up(value, 0):,.0f}"
    if unit:
        return f"{half_up(value, 0):,.0f} {unit}"
    return f"{half_up(value, 0):,.0f}"


def ranked_headline(
    ranked: Sequence[tuple[str, float]], sentence: str, unit: str, none: str
) -> str:
    """The headline of bars ranked by their value: `ranked` is (name, value) of the bars resting on
    enough cases, first the one to name. `sentence` ('{name} had the highest rate, {value}') needs
    at least two of them: one bar alone is no ranking ('National: 81.7%'); none gives `none`."""
    if not ranked:
        return none
    name, value = ranked[0]
    shown = fmt_value(value, unit)
    return sentence.format(name=name, value=shown) if len(ranked) > 1 else f"{name}: {shown}"


def change_headline(subject: str, values: Sequence[float], unit: str) -> str:
    """'Drugs conviction rate rose to 94.9%' from the last two values of a series (NaNs skipped).

    Ten words or fewer where the subject allows; 'was' when there is only one value.
    """
    clean = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not clean:
        return f"No data for {subject.lower()}"
    latest = clean[-1]
    if len(clean) == 1:
        return f"{subject} was {fmt_value(latest, unit)}"
    previous = clean[-2]
    shown_latest, shown_prev = fmt_value(latest, unit), fmt_value(previous, unit)
    if shown_latest == shown_prev:
        return f"{subject} held at {shown_latest}"
    verb = "rose" if latest > previous else "fell"
    return f"{subject} {verb} to {shown_latest}"


def change(latest: float | None, before: float | None, unit: str) -> str | None:
    """'+1.2 points' for rates, '-4.1%' for amounts and counts; None when either is missing."""
    if _missing(latest) or _missing(before):
        return None
    now, then = Decimal(str(latest)), Decimal(str(before))
    if unit == "%":
        return f"{half_up(now - then, 1):+.1f} points"
    if then == 0:
        return None
    return f"{half_up((now - then) / then * 100, 1):+.1f}%"


@dataclass(frozen=True)
class Status:
    word: str  # Green, Amber, Red or No target
    explanation: str


def rag_status(
    value: float | None, target: float | None, margin: float | None, direction: str, unit: str
) -> Status:
    """Green when the target is met; Amber within `margin` of it; Red beyond.

    `direction` is 'higher' (higher is better) or 'lower'.
    """
    if value is None or target is None or (isinstance(value, float) and math.isnan(value)):
        return Status("No target", "no value or no target to compare")
    margin = margin or 0.0
    gap = value - target if direction == "higher" else target - value
    t = fmt_value(target, unit)
    better = "at least" if direction == "higher" else "at most"
    if gap >= 0:
        return Status("Green", f"meets the target of {better} {t}")
    if gap >= -margin:
        # '2.0 points', not '2.0%'
        within = f"{half_up(margin, 1)} points" if unit == "%" else fmt_value(margin, unit)
        return Status("Amber", f"within {within} of the target of {better} {t}")
    return Status("Red", f"misses the target of {better} {t}")


def incomplete_notes(missing: Sequence[tuple[str, str | None]], every: str) -> list[str]:
    """A warning for each set of force-months (the text of a `missing` column) that the totals
    of (name, missing) pairs lack, naming those totals once: 'Burglary, Robbery, totals
    incomplete: … not loaded.', or `every` ('Every offence category') when all of several lack
    the same; names and months come from the files, so they are shown as literal text."""
    names_of: dict[str, list[str]] = {}
    for name, gap in missing:
        if isinstance(gap, str) and gap:
            names_of.setdefault(gap, []).append(name)
    notes = []
    for gap, names in names_of.items():
        if len(names) == len(missing) > 1:
            who, total = every, "total"
        else:
            who = ", ".join(literal(n) for n in names)
            total = "totals" if len(names) > 1 else "total"
        notes.append(f":material/warning: {who}, {total} incomplete: {literal(gap)} not loaded.")
    return notes
