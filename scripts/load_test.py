"""Load: N concurrent dashboard sessions scoring applicants, each a full Streamlit script run.

    python scripts/load_test.py [--sessions 16] [--rounds 5] [--json]

Every session is an AppTest of the real app in its own thread, so all of them share this process's
st.cache_resource model and store, exactly as sessions of one `streamlit run` server do. Each round
changes the applicant's debt-to-income, submits the form and waits for the PD. Reports errors and
latency percentiles; `bankml bench --section load` runs it. Not a test: nothing here is asserted.

Caveat: each AppTest run resets process-wide Streamlit state (Runtime._instance, its cache manager,
PagesManager.uses_pages_directory), so concurrent AppTests can disturb each other and an occasional
reported error may belong to this harness rather than the app.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETUP_LOCK = threading.Lock()


def prepare(folder: Path) -> None:
    """A 5,000-customer bank and a quick model, registered where the app will look."""
    os.environ["BANKML_DB"] = str(folder / "bank.duckdb")
    os.environ["BANKML_MODELS"] = str(folder / "models")
    subprocess.run(
        [sys.executable, "-m", "bankml.cli", "generate", "--customers", "5000", "--seed", "3"],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bankml.startup"], check=True, capture_output=True, cwd=ROOT
    )


def session(
    index: int, rounds: int, latencies: list[float], errors: list[str], start: threading.Barrier
) -> None:
    from streamlit.testing.v1 import AppTest

    try:
        with SETUP_LOCK:  # AppTest's page switching patches global state: open sessions one by one
            at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
            at.run()
            at.switch_page("pages/default_prediction.py").run()
        start.wait()
        for round_ in range(rounds):
            dti = 0.1 + 0.05 * ((index + round_) % 10)
            at.number_input(key="applicant_debt_to_income").set_value(dti)
            started = time.perf_counter()
            at.form_submit_button[0].click().run()
            latencies.append(time.perf_counter() - started)
            if at.exception:
                errors.append(f"session {index}: {at.exception[0].message}")
            elif not any(m.label == "Probability of default" for m in at.metric):
                errors.append(f"session {index}: no PD shown")
    except Exception as exc:  # report, keep the other sessions going
        errors.append(f"session {index}: {type(exc).__name__}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        prepare(Path(folder))
        latencies: list[float] = []
        errors: list[str] = []
        barrier = threading.Barrier(args.sessions)
        threads = [
            threading.Thread(target=session, args=(i, args.rounds, latencies, errors, barrier))
            for i in range(args.sessions)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    values = np.array(latencies) if latencies else np.array([np.nan])
    report = {
        "sessions": args.sessions,
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "p50_s": float(np.nanpercentile(values, 50)),
        "p95_s": float(np.nanpercentile(values, 95)),
        "max_s": float(np.nanmax(values)),
        "wall_s": wall,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>14}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
