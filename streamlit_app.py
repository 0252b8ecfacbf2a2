"""bankml dashboard: page config, the shared sidebar and the router over pages/."""

from __future__ import annotations

import streamlit as st

PAGES = {
    "Bank": [
        ("pages/overview.py", "Overview", ":material/dashboard:"),
        ("pages/data.py", "Data", ":material/database:"),
    ],
    "Credit risk": [
        ("pages/default_prediction.py", "Default prediction", ":material/person_search:"),
        ("pages/model_performance.py", "Model performance", ":material/monitoring:"),
    ],
    "Customers": [
        ("pages/customer_segments.py", "Customer segments", ":material/bubble_chart:"),
        ("pages/recommendations.py", "Recommendations", ":material/recommend:"),
    ],
}


def main() -> None:
    from pathlib import Path

    st.set_page_config(page_title="bankml", page_icon=":material/account_balance:", layout="wide")
    root = Path(__file__).parent
    navigation = {
        section: [
            st.Page(path, title=title, icon=icon)
            for path, title, icon in entries
            if (root / path).exists()
        ]
        for section, entries in PAGES.items()
    }
    page = st.navigation({k: v for k, v in navigation.items() if v})
    # Only now: st.navigation has turned off the legacy pages/ mode, so importing the dashboard
    # package does not trigger its deep-link rerun in the middle of an import (dashboard/__init__.py).
    from dashboard import sidebar

    sidebar.sidebar()
    page.run()


main()
