"""Time every page's first view with data and model cached (AppTest of the real app).

    python scripts/page_timings.py [--customers 100000] [--json]

Builds a bank of the given size and a quick model in a temp folder, renders each page once to fill
the caches, then times a fresh session's first view of each page. `bankml bench --section app` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[a-z]*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as folder:
        os.environ["BANKML_DB"] = str(Path(folder) / "bank.duckdb")
        os.environ["BANKML_MODELS"] = str(Path(folder) / "models")
        for command in (
            [sys.executable, "-m", "bankml.cli", "generate", "--customers", str(args.customers)],
            [sys.executable, "-m", "bankml.startup"],
        ):
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        warm = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        warm.run()
        cold: dict[str, float] = {}
        for page in PAGES:
            started = time.perf_counter()
            warm.switch_page(page).run()
            cold[page] = time.perf_counter() - started
        timings: dict[str, dict] = {}
        for page in PAGES:
            session = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
            session.run()
            started = time.perf_counter()
            session.switch_page(page).run()
            timings[page] = {
                "cached_s": time.perf_counter() - started,
                "first_fill_s": cold[page],
                "exception": bool(session.exception),
            }
    if args.json:
        print(json.dumps({"customers": args.customers, "pages": timings}))
    else:
        for page, row in timings.items():
            print(
                f"{page:<36} cached {row['cached_s']:6.2f} s  first fill {row['first_fill_s']:6.2f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
