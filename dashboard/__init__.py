"""The dashboard's shared helpers: caches, the sidebar, charts and review tables for the pages.

They live outside `pages/` because Streamlit lists every file of `pages/` as a page. Every cache
(`st.cache_data` / `st.cache_resource`) is in `store`, `models` or `customers`, keyed on content
hashes; `sidebar`, `charts`, `review`, `batch_view`, `performance` (Model performance's sections
and their what-if settings) and `segment_view` (Customer segments' sections) only draw;
`data_view` (the Data page's regeneration and CSV training) and `prediction_view` (the Default
prediction page's texts, master scale and form groups) hold those pages' logic; `applicant` holds
the Default prediction page's applicant in the session; `safe` makes user text inert; `warm` fills
the caches before the first browser connects and `serve` starts the server that way (`make run`).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit decides per process, on the first script run, whether `pages/` is a legacy multipage
# folder: until some run calls st.navigation it runs page files directly. A server whose first request
# is a deep link (/default_prediction) would then stay in that mode for every user, without our router,
# sidebar or layout. Every page imports this package first, so switch the mode off and rerun through
# streamlit_app.py. (Private flag of streamlit.runtime.pages_manager; checked by a browser test;
# `dashboard.serve` switches it off before the server starts, so this only fires under a bare
# `streamlit run`.)
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
