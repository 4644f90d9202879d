"""CPS West Midlands joint performance dashboard: the frame.

Page config, the shared filters (crime type, period, geography, comparison; kept in the URL),
and navigation over the pages in pages/. Start it with `streamlit run dashboard.py`.
"""

import streamlit as st

from cjsperf import ui

st.set_page_config(
    page_title="CPS West Midlands performance",
    page_icon="⚖️",
    layout="wide",
    initial_sidebar_state="expanded",
)

# Each page has its own URL path (with hyphens): a path equal to a file name in pages/ would let
# Streamlit's older multipage routing run that file without this frame.
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(
        "pages/conviction_rates.py",
        url_path="conviction-rates",
        title="Conviction rates",
        icon=":material/gavel:",
    ),
    st.Page(
        "pages/agent_spend.py",
        url_path="agent-spend",
        title="Agent spend",
        icon=":material/payments:",
    ),
    st.Page(
        "pages/court_sessions.py",
        url_path="court-sessions",
        title="Court sessions",
        icon=":material/event:",
    ),
    st.Page(
        "pages/task_completion.py",
        url_path="task-completion",
        title="Task completion",
        icon=":material/task_alt:",
    ),
    st.Page(
        "pages/data_quality.py",
        url_path="data-quality",
        title="Data quality",
        icon=":material/fact_check:",
    ),
]

page = st.navigation(PAGES, position="top")
# Less empty space above the page title: on a projector at 1366x768 every line counts.
st.html("<style>.block-container{padding-top:2.2rem;padding-bottom:2rem}</style>")
ui.filters()
page.run()
