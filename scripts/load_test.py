"""Load: N concurrent browser sessions scoring applicants against one `streamlit run` server.

    python scripts/load_test.py [--sessions 16] [--rounds 5] [--think 0] [--json] [--folder F]

Starts the dashboard on a free localhost port over a 5,000-customer bank and a quick model, then
opens N sessions on its websocket (`/_stcore/stream`), speaking the same protobuf protocol as the
browser: each session opens the Default prediction page, then per round changes debt-to-income,
submits the applicant form and waits until the script run finishes. Latency is from the submit to
the end of that run; an error is an exception element, a run without the PD, or a lost connection.
The clients run in this process, the server in its own: the figures are the server's.
`--think` adds a pause before each submit (a person edits fields between scorings); 0 sends them
back to back, the worst case. `--folder` serves a prepared folder instead (its `bank.duckdb` and
`models/`, as `make run` leaves them; the server writes into it). Not a test: nothing here is
asserted. `bankml bench --section load`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
PAGE = "default_prediction"
PD_LABEL = "Probability of default"


def prepare(folder: Path) -> dict[str, str]:
    """A 5,000-customer bank and a quick model in `folder`; the environment the server needs."""
    env = {
        **os.environ,
        "BANKML_DB": str(folder / "bank.duckdb"),
        "BANKML_MODELS": str(folder / "models"),
    }
    generate = [
        sys.executable,
        "-m",
        "bankml.cli",
        "generate",
        "--customers",
        "5000",
        "--seed",
        "3",
    ]
    subprocess.run(generate, check=True, capture_output=True, cwd=ROOT, env=env)
    startup = [sys.executable, "-m", "bankml.startup"]
    subprocess.run(startup, check=True, capture_output=True, cwd=ROOT, env=env)
    return env


def served(folder: Path) -> dict[str, str]:
    """The environment the server needs to serve a prepared folder's bank and models."""
    folder = folder.resolve()
    return {
        **os.environ,
        "BANKML_DB": str(folder / "bank.duckdb"),
        "BANKML_MODELS": str(folder / "models"),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    """The server as `make run` starts it (`python -m dashboard.serve`: start-up, warm caches, then
    `streamlit run`), waiting for `/_stcore/health` to say ok."""
    command = [
        sys.executable, "-m", "dashboard.serve",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"streamlit did not start on port {port} within 300 s")


@dataclass
class Run:
    """What one script run sent back: elements by type, and how it ended."""

    elements: list = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    status: str = ""

    def widget_id(self, kind: str, contains: str) -> tuple[str, str]:
        """(widget id, id of the fragment it is drawn in or "") of the first match."""
        for element, fragment in zip(self.elements, self.fragments, strict=True):
            if element.WhichOneof("type") == kind:
                widget = getattr(element, kind)
                if contains in widget.id or contains == getattr(widget, "label", None):
                    return widget.id, fragment
        raise LookupError(f"no {kind} matching {contains!r} in the run")

    def problem(self) -> str | None:
        """Why this run is an error for the user, or None when the PD is on screen."""
        for element in self.elements:
            if element.WhichOneof("type") == "exception":
                return f"exception: {element.exception.message[:120]}"
        if not any(
            element.WhichOneof("type") == "metric" and element.metric.label == PD_LABEL
            for element in self.elements
        ):
            return "no PD shown"
        return None


def rerun(widget_states: list[WidgetState] | None = None, fragment: str = "") -> bytes:
    """What the browser sends after a widget changes (only its fragment reruns when it has one)."""
    message = BackMsg()
    message.rerun_script.page_name = PAGE
    message.rerun_script.widget_states.widgets.extend(widget_states or [])
    if fragment:
        message.rerun_script.fragment_id = fragment
    return message.SerializeToString()


async def until_finished(ws) -> Run:
    """Collect one run's elements until Streamlit says it finished (reruns inside are followed)."""
    run = Run()
    while True:
        message = ForwardMsg()
        message.ParseFromString(await ws.recv())
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            run.elements.append(message.delta.new_element)
            run.fragments.append(message.delta.fragment_id)
        elif kind == "new_session":
            run.elements.clear()
            run.fragments.clear()
        elif kind == "script_finished":
            run.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            if run.status != "FINISHED_EARLY_FOR_RERUN":
                return run


async def session(
    url: str, index: int, rounds: int, think: float, ready: asyncio.Future, start: asyncio.Event
) -> tuple[list[float], list[str]]:
    """Open the page, signal ready, then score `rounds` applicants once everyone is ready."""
    latencies: list[float] = []
    errors: list[str] = []
    rng = np.random.default_rng(index)
    try:
        async with connect(url, subprotocols=["streamlit"], max_size=None) as ws:
            await ws.send(rerun())
            opened = await until_finished(ws)
            dti_id, _ = opened.widget_id("number_input", "applicant_debt_to_income")
            submit_id, fragment = opened.widget_id("button", "Score applicant")
            ready.set_result(True)
            await start.wait()
            for round_ in range(rounds):
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                dti = WidgetState(id=dti_id, double_value=0.1 + 0.05 * ((index + round_) % 10))
                submit = WidgetState(id=submit_id, trigger_value=True)
                started = time.perf_counter()
                await ws.send(rerun([dti, submit], fragment))
                run = await until_finished(ws)
                latencies.append(time.perf_counter() - started)
                if problem := run.problem():
                    errors.append(f"session {index} round {round_}: {problem}")
    except Exception as exc:  # report, keep the other sessions going
        errors.append(f"session {index}: {type(exc).__name__}: {exc}")
        errors.extend([f"session {index}: not run"] * (rounds - len(latencies) - 1))
    finally:
        if not ready.done():
            ready.set_result(False)
    return latencies, errors


async def drive(port: int, sessions: int, rounds: int, think: float) -> dict:
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    start = asyncio.Event()
    ready = [asyncio.get_running_loop().create_future() for _ in range(sessions)]
    tasks = [
        asyncio.create_task(session(url, i, rounds, think, ready[i], start))
        for i in range(sessions)
    ]
    await asyncio.gather(*ready)
    started = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    latencies = [x for lat, _ in results for x in lat]
    errors = [e for _, err in results for e in err]
    values = np.array(latencies) if latencies else np.array([np.nan])
    return {
        "sessions": sessions,
        "rounds": rounds,
        "think_s": think,
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "p50_s": float(np.nanpercentile(values, 50)),
        "p95_s": float(np.nanpercentile(values, 95)),
        "max_s": float(np.nanmax(values)),
        "wall_s": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds before a submit")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--folder", type=Path, help="serve this bank.duckdb and models/ instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = prepare(Path(folder)) if args.folder is None else served(args.folder)
        port = free_port()
        server = start_server(env, port)
        try:
            report = asyncio.run(drive(port, args.sessions, args.rounds, args.think))
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>14}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
