"""Start the dashboard warm: `python -m dashboard.serve [streamlit run options]`.

Runs bankml.startup's housekeeping (sweep unfinished files, a quick model when none, the stored
first views), fills every first-view cache in this process (dashboard.warm), then serves
streamlit_app.py with Streamlit's own `run` command, so the server only listens once a first view
costs no imports, no model load and no fitting. `make run` and the browser tests start it this way.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def main(argv: list[str] | None = None) -> int:
    from streamlit.runtime.pages_manager import PagesManager

    from bankml import startup
    from dashboard import warm

    options = sys.argv[1:] if argv is None else list(argv)
    startup.main()
    warm.warm()
    gc.freeze()  # the libraries and warm caches stay out of every later collection's scan
    # The router (st.navigation) owns the pages: never let a first deep link start Streamlit's
    # legacy pages/ mode (dashboard/__init__.py explains it; this makes its rerun unnecessary).
    PagesManager.uses_pages_directory = False
    from streamlit.web import cli

    return cli.main(["run", str(APP), *options], prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
