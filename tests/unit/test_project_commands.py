"""The project's own commands: CI runs exactly the README's test command, the test tiers are
pytest markers, and what a notebook run writes lands under an ignored path."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _commands(script: str) -> list[str]:
    """A shell script's commands, without comments, `set` options and the `cd` to the checkout."""
    lines = (line.strip() for line in script.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "set ", "cd "))]


def _readme_test_command() -> str:
    """The test command of the README's set-up block (the line that starts with `make test`)."""
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set-up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in setup.splitlines()]
    found = [c for c in commands if c.split()[:2] == ["make", "test"]]
    assert len(found) == 1, f"the README's set-up block should name one test command: {found}"
    return found[0]


def test_ci_runs_exactly_the_readme_test_command():
    assert _commands((ROOT / ".ci" / "run").read_text()) == [_readme_test_command()]


def test_make_test_installs_chromium_before_the_suite():
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^test: (.*?)##", makefile, re.M)
    assert target is not None and target.group(1).split()[0] == "chromium"
    assert re.search(r"^chromium:.*\n\t@sh scripts/ensure-chromium$", makefile, re.M)


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux setpriv")
def test_missing_chromium_as_a_user_says_which_command_to_run(tmp_path):
    """Not root: no install attempt, one line naming the command, non-zero exit."""
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh",
         str(ROOT / "scripts" / "ensure-chromium")],
        env={"PATH": "/usr/bin:/bin", "BANKML_CHROMIUM": str(tmp_path / "no-chromium")},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install -y chromium" in lines[0], done.stderr


def test_fast_tier_is_a_marker_expression_of_registered_markers():
    makefile = (ROOT / "Makefile").read_text()
    fast = re.search(r"^test-fast:.*\n(?:\t.*\n)*?\t.*pytest -q -m \"([^\"]+)\"", makefile, re.M)
    assert fast is not None, "make test-fast selects tests by marker"
    excluded = set(re.findall(r"not (\w+)", fast.group(1)))
    registered = (ROOT / "pyproject.toml").read_text()
    assert excluded == {"browser", "notebook", "load", "slow"}
    for marker in excluded:
        assert re.search(rf'"{marker}: ', registered), f"marker {marker} is not registered"


def test_both_tiers_run_whole_files_on_pinned_xdist_workers():
    """The time budgets rest on pytest-xdist workers (two for the fast tier, three for the whole
    suite, which waits on browsers and the JVM), each taking whole files (a module's fixtures are
    built once): both tiers pass the options, and the plugin is pinned."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^JOBS \?= 2$", makefile, re.M)
    assert re.search(r"^FULL_JOBS \?= 3$", makefile, re.M)
    assert re.search(r"^test: JOBS = \$\(FULL_JOBS\)$", makefile, re.M)
    jobs = r"^PYTEST_JOBS = -n \$\(JOBS\) --dist loadfile --no-loadscope-reorder$"
    assert re.search(jobs, makefile, re.M)
    for target in ("test", "test-fast"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M)
        assert recipe is not None, target
        runs = [line for line in recipe.group(1).splitlines() if "pytest" in line]
        assert len(runs) == 1 and runs[0].endswith("$(PYTEST_JOBS)"), (target, runs)
    assert re.search(r"^pytest-xdist==[\d.]+$", (ROOT / "constraints.txt").read_text(), re.M)
    assert '"pytest-xdist>=' in (ROOT / "pyproject.toml").read_text()


def test_a_notebook_run_writes_only_ignored_files(tmp_path, monkeypatch):
    """A notebook executed from notebooks/ regenerates the default bank beside it: every file that
    makes must be ignored by git, so the tree stays clean."""
    from bankml.bank import regenerate
    from synth import BankParams

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)
    monkeypatch.delenv("BANKML_DB", raising=False)
    regenerate(BankParams(customers=200, seed=1))
    written = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.is_dir()]
    assert any(p.name.startswith(".bank.duckdb.gen-") for p in written), written
    paths = [str(Path("notebooks") / p.relative_to("notebooks")) for p in written]
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(paths), capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    assert sorted(ignored) == sorted(paths)


def test_files_with_a_heavy_test_are_handed_out_first():
    """Long (heavy-marked) files start first, so no long file runs alone at the end; each group
    keeps xdist's own order, most tests first."""
    from tests.conftest import pytest_collection_modifyitems

    class Item:
        def __init__(self, path: str, marker: str | None = None):
            self.path, self.marker = path, marker

        def get_closest_marker(self, name: str):
            return self.marker if name == self.marker else None

    items = [Item("a"), Item("a"), Item("a"), Item("b", "slow"), Item("c"), Item("d")]
    items += [Item("d", "notebook"), Item("e", "browser"), Item("e", "browser")]
    pytest_collection_modifyitems(None, items)
    assert [item.path for item in items] == ["d", "d", "e", "e", "b", "a", "a", "a", "c"]
    assert "--no-loadscope-reorder" in (ROOT / "Makefile").read_text()


def test_the_longest_known_files_lead_the_heavy_ones():
    """A file listed in LONGEST_FILES starts before a heavy file with more tests, and the listed
    ones start longest first: a few-test, minutes-long file never ends the run alone."""
    from tests.conftest import LONGEST_FILES, ROOT, pytest_collection_modifyitems

    class Item:
        def __init__(self, path: str, marker: str | None = "slow"):
            self.path, self.marker = path, marker

        def get_closest_marker(self, name: str):
            return self.marker if name == self.marker else None

    longest, second = sorted(LONGEST_FILES, key=LONGEST_FILES.get, reverse=True)[:2]
    items = [Item(ROOT / "tests/many.py") for _ in range(5)] + [Item(ROOT / "tests/fast.py", None)]
    items += [Item(ROOT / second), Item(ROOT / longest)]
    pytest_collection_modifyitems(None, items)
    assert [item.path for item in items] == [
        ROOT / longest,
        ROOT / second,
        *[ROOT / "tests/many.py"] * 5,
        ROOT / "tests/fast.py",
    ]
