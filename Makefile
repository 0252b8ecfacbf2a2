# bankml: `make run` starts the dashboard, `make test` runs the whole suite, `make test-fast` the
# edit-test loop (no browser, notebook, load or slow tests: pytest markers). `make help` lists all.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# `make run` needs only the library and the dashboard (no test tools, no PySpark)
RUN_STAMP := $(VENV)/.run-installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PORT ?= 8501
# pytest-xdist workers: whole test files go to one of JOBS processes (module fixtures are built
# once; the test bank and the shared trained models once per run for all workers, tests/_shared.py);
# JOBS=0 runs in this process, as `python -m pytest` does without -n. Files are handed out in
# the order tests/conftest.py gives them (the long, heavy-marked ones first): --no-loadscope-reorder.
JOBS ?= 2
PYTEST_JOBS = -n $(JOBS) --dist loadfile --no-loadscope-reorder
# The whole suite spends much of its time waiting on Chromium, the JVM and subprocesses: a third
# worker fills those waits (its browser, Spark and load part took 400 s on 3 workers against 492 s
# on 2, the same CPU). The fast tier is CPU-bound and stays at JOBS.
FULL_JOBS ?= 3
test: JOBS = $(FULL_JOBS)
# Test runs write bytecode (into the ignored __pycache__ folders) even where the environment
# says not to (PYTHONDONTWRITEBYTECODE): every worker and every CLI, server and notebook
# subprocess would otherwise compile bankml and pytest would rewrite each test module again,
# about 4 s of each worker's collection.
test test-fast: export PYTHONDONTWRITEBYTECODE =

.PHONY: help install run chromium test test-fast lint format bench bench-quick clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(RUN_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	rm -f $(VENV)/.run-installed-*
	touch $(RUN_STAMP)

install: $(STAMP) ## create .venv and install pinned dependencies (with the test and spark extras)

run: $(RUN_STAMP) ## start the dashboard (generates the default bank and model on first start)
	$(BIN)/bankml generate --if-missing
	$(BIN)/python -m dashboard.serve --server.address 127.0.0.1 --server.fileWatcherType none --browser.gatherUsageStats false

chromium: ## install Debian's chromium for the browser tests if missing (root), else say how
	@sh scripts/ensure-chromium

test: chromium $(STAMP) ## lint, then the whole test suite (unit, data, model, app, browser, notebooks, load)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(PYTEST_JOBS)

test-fast: $(STAMP) ## lint, then unit, data, model and AppTest tests (no browser, notebook, load or slow)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -m "not browser and not notebook and not load and not slow" $(PYTEST_JOBS)

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: $(STAMP) ## full benchmark (1M-customer sections included)
	$(BIN)/bankml bench

bench-quick: $(STAMP) ## quick benchmark (a couple of minutes)
	$(BIN)/bankml bench --quick

clean: ## remove the venv, caches, generated data and models
	rm -rf $(VENV) .pytest_cache .ruff_cache data models notebooks/data
