# Each target is self-contained: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run lint test bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the API on 127.0.0.1:8080 in sandbox mode (embedded SQLite + local emulators).
run: $(STAMP)
	$(BIN)/deploy-anywhere serve --sandbox --host 127.0.0.1 --port 8080

## Static gates, configured in pyproject.toml: ruff (pyflakes, isort, line length) on the source
## packages and the tests, and mypy (strict on core/, checked elsewhere).
lint: $(STAMP)
	$(BIN)/ruff check core adapters api emulators terraform tests
	$(BIN)/mypy

## The static gates, then the whole test suite: SQLite, then the PostgreSQL-marked tests on a throwaway server.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pytest -q tests/bench -m bench --benchmark-columns=min,median,mean,max,rounds

clean:
	rm -rf $(VENV) .deploy-anywhere
