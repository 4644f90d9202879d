"""Events that monthly charts mark, so a change in a trend can be read against what the Area did.

The events are data: `data/reference/events.csv` (date, label, whether it changes the process, the
measures it changes), validated at load into `ref_events` and read through `queries/events.sql`.
An analyst adds one before a meeting without touching code. An event marked as a change of process
for a measure starts new control limits for it (see `cjsperf.spc`) from the first whole month after
its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from cjsperf import charts, spc


@dataclass(frozen=True)
class Event:
    date: str  # YYYY-MM-DD
    label: str
    process_change: bool
    measures: tuple[str, ...]  # measure keys it changes; () = marked on every monthly chart
    note: str = ""

    @property
    def month(self) -> str:
        return self.date[:7]

    @property
    def first_whole_month(self) -> str:
        """The first calendar month wholly after the event, where new control limits start
        (`spc.event_segment_start`): an ODP launched on 25 Sep 2017 changes the process from
        Oct 2017."""
        return spc.event_segment_start(self.date)

    @property
    def text(self) -> str:
        """'Operational Delivery Plan launched, 25 Sep 2017' for a chart's label."""
        d = dt.date.fromisoformat(self.date)
        return f"{self.label}, {d.day} {d:%b %Y}"

    def concerns(self, measure_key: str | None) -> bool:
        """Whether a chart of `measure_key` (None: a chart of no single measure) marks it."""
        return not self.measures or measure_key is None or measure_key in self.measures


def events_from(df: pd.DataFrame) -> list[Event]:
    """Events from the rows of `queries/events.sql`, oldest first."""
    out = []
    for r in df.to_dict("records") if len(df) else []:
        measures = r.get("measures")
        measures = (
            tuple(measures)
            if measures is not None and not isinstance(measures, (str, float))
            else ()
        )
        date = r["date"]
        date = date.isoformat()[:10] if hasattr(date, "isoformat") else str(date)[:10]
        note = r.get("note")
        out.append(
            Event(
                date=date,
                label=str(r["label"]),
                process_change=bool(r.get("process_change")),
                measures=measures,
                note=note if isinstance(note, str) else "",
            )
        )
    return sorted(out, key=lambda e: e.date)


def process_changes(events: Iterable[Event], measure_key: str) -> list[str]:
    """First whole months (YYYY-MM) after each event that changes the process of `measure_key`."""
    return sorted(
        {e.first_whole_month for e in events if e.process_change and measure_key in e.measures}
    )


def mark_events(
    fig: charts.Spec,
    months: Sequence[str],
    events: Iterable[Event],
    measure_key: str | None = None,
) -> charts.Spec:
    """Mark each event of `measure_key` (every event when None) on a monthly chart whose x values
    are `months` (YYYY-MM), when the chart shows its month. Events in one month share a label."""
    shown = set(months)
    by_month: dict[str, list[Event]] = {}
    for e in events:
        if e.month in shown and e.concerns(measure_key):
            by_month.setdefault(e.date, []).append(e)
    previous = None
    level = 0
    for date, evs in sorted(by_month.items()):
        # Labels of events within two months of each other are stacked, not overprinted.
        close = previous and (dt.date.fromisoformat(date) - previous).days < 62
        level = level + 1 if close else 0
        charts.mark_month(fig, date, "<br>".join(e.text for e in evs), level=level)
        previous = dt.date.fromisoformat(date)
    return fig
