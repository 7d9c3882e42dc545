# lawgov: `make report` publishes the HTML findings for data/raw/, `make test` runs the suite.
# Both create the environment in .venv/ first when it is missing or out of date.
# DAG: env -> data -> report (figures are written while the notebooks run), plus test, lint, bench, docs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lawgov-installed
RAW    ?= data/raw
OUT    ?= data/processed
SITE   ?= reports

.PHONY: env data report test test-fast lint bench bench-100k docs clean

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lawgov needs Python 3.11 or newer; set PYTHON=python3.11 (or newer) and run make again")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	@# Bytecode written now, not at first import: a process that may not write it (read-only
	@# install, PYTHONDONTWRITEBYTECODE) would otherwise compile pandas & co. at every start.
	$(BIN)/python -m compileall -q src > /dev/null
	$(BIN)/python -m ipykernel install --sys-prefix --name lawgov --display-name 'Python (lawgov)' > /dev/null
	@touch $(STAMP)

data: env
	$(BIN)/lawgov ingest $(RAW) --out $(OUT)

report: data
	$(BIN)/lawgov publish --corpus $(RAW) --processed $(OUT) --out $(SITE)

test: env
	$(BIN)/python -m pytest -n 2 -q

test-fast: env
	$(BIN)/python -m pytest -n 2 -q -m 'not slow'

lint: env
	$(BIN)/ruff check src tests benchmarks

bench: env
	$(BIN)/python benchmarks/run.py --sizes 1000 10000 --out benchmarks/results.md

bench-100k: env
	$(BIN)/python benchmarks/run.py --sizes 100000 --runs 1 --out benchmarks/results.md

docs: env
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(OUT)/*.parquet $(OUT)/*.json $(OUT)/*.csv $(SITE) site figures/*.png figures/*.svg
