"""The NHS "Making Data Count" variation and assurance icons, always with their words.

HTML for the Streamlit pages and the meeting pack, and rich text for a Plotly annotation (so an
exported chart keeps them). No Streamlit here; every word is escaped, never Markdown.
"""

from __future__ import annotations

import html

from cjsperf import theme
from cjsperf.trends import Trend, assurance_words, variation_words

# Letter inside the icon: H/L for a special cause high or low, a dash for common cause; P, F or ~
# for the assurance (passes, fails, hit and miss).
_ASSURANCE = {
    "consistently passes": ("P", "#00B0F0"),
    "consistently fails": ("F", "#E46C0A"),
    "hit and miss": ("?", "#A6A6A6"),
    "no target": ("–", "#3D3D3D"),
}


def variation_icon(t: Trend) -> tuple[str, str]:
    """(letter, colour) of the variation icon."""
    if t.small_base or not t.variation:
        return "·", theme.DARK_GREY
    kind = t.variation.replace("special cause ", "")
    colour = theme.SPC["common" if kind == "common cause" else kind]
    if kind == "common cause":
        return "~", colour
    last = t.latest
    up = last is not None and last["direction"] in ("above", "rising")
    return ("H" if up else "L"), colour


def assurance_icon(t: Trend) -> tuple[str, str] | None:
    if t.small_base or t.assurance not in _ASSURANCE:
        return None
    return _ASSURANCE[t.assurance]


def _badge(letter: str, colour: str) -> str:
    return (
        f'<span style="display:inline-block;min-width:1.35em;height:1.35em;line-height:1.35em;'
        f"border-radius:50%;background:{colour};color:#fff;text-align:center;font-weight:700;"
        f'font-size:0.85em;margin-right:0.3em" aria-hidden="true">{html.escape(letter)}</span>'
    )


def html_icons(t: Trend) -> str:
    """Both icons with their words, as HTML (for st.markdown(..., unsafe_allow_html=True))."""
    parts = [_badge(*variation_icon(t)) + html.escape(variation_words(t))]
    words = assurance_words(t)
    if words:
        icon = assurance_icon(t)
        parts.append((_badge(*icon) if icon else "") + html.escape(words))
    return '<span style="margin-right:1.2em">' + "</span><span>".join(parts) + "</span>"


def plotly_icons(t: Trend) -> str:
    """Both icons with their words as Plotly rich text, for the chart's top right corner."""
    letter, colour = variation_icon(t)
    out = f"<span style='color:{colour}'><b>●{html.escape(letter)}</b></span> "
    out += html.escape(variation_words(t))
    words = assurance_words(t)
    if words:
        icon = assurance_icon(t)
        if icon:
            out += f"   <span style='color:{icon[1]}'><b>●{icon[0]}</b></span>"
        out += " " + html.escape(words)
    return out
