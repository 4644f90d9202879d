"""The dashboard's pages, in the order the navigation and the meeting pack show them.

One list, read by `dashboard.py` (navigation), the meeting pack and the tests that sweep every page.
Each page has its own URL path with hyphens: a path equal to a file name in pages/ would let
Streamlit's older multipage routing run that file without the dashboard's frame.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    file: str  # relative to the repository root
    url_path: str  # "" for the default page
    title: str
    icon: str


PAGES: tuple[Page, ...] = (
    Page("pages/overview.py", "", "Overview", ":material/dashboard:"),
    Page("pages/conviction_rates.py", "conviction-rates", "Conviction rates", ":material/gavel:"),
    Page("pages/agent_spend.py", "agent-spend", "Agent spend", ":material/payments:"),
    Page("pages/court_sessions.py", "court-sessions", "Court sessions", ":material/event:"),
    Page("pages/trials_witnesses.py", "trials-and-witnesses", "Trials and witnesses",
         ":material/balance:"),
    Page("pages/casework_quality.py", "casework-quality", "Casework quality",
         ":material/checklist:"),
    Page("pages/victims.py", "victims", "Victims", ":material/mail:"),
    Page("pages/task_completion.py", "task-completion", "Task completion", ":material/task_alt:"),
    Page("pages/people.py", "people", "People", ":material/school:"),
    Page("pages/data_quality.py", "data-quality", "Data quality", ":material/fact_check:"),
)  # fmt: skip
