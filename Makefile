# Compagnon — the two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run serve test test-pg test-browser lint ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## run: set up everything, load the demo community, serve http://127.0.0.1:5000
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo ""
	@echo "Compagnon : http://127.0.0.1:5000  (Ctrl+C pour arrêter)"
	$(FLASK) run --host 127.0.0.1 --port 5000

## serve: as in production, gunicorn with one sync worker per core
serve: $(VENV)/.installed
	$(FLASK) db upgrade
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 wsgi:app

## test: set up and run the test suite (SQLite)
test: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not browser" -q

## test-pg: the same suite against PostgreSQL
test-pg: $(VENV)/.installed-dev
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser" -q

## test-browser: journeys in the system Chromium, with axe-core
test-browser: $(VENV)/.installed-dev
	$(BIN)/pytest -m browser -q tests/browser

## bench-search: search quality against SQLite FTS5, then latency with 20,000 sheets (~2 min)
.PHONY: bench-search
bench-search: $(VENV)/.installed-dev
	$(BIN)/python -m tests.search.bench

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
