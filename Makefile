# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Cache compiled bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# without it every test worker and every subprocess compiles the app again, and pytest
# re-rewrites the assertions of ~300 plugin modules (schemathesis, hypothesis, faker) in
# each process of every run.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-at lint bench load translations migrate demo clean fuzz

# --no-compile: Python compiles (and caches) what is imported when it is first imported;
# compiling every installed module up front (Faker's hundreds of locales, mypy,
# schemathesis) took half of the install.
$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile --upgrade pip
	$(BIN)/pip install --quiet --no-compile -e '.[test]'
	touch $(STAMP)

## Serve the demo centre on http://127.0.0.1:5000 (SQLite, outbox SMS).
run: $(STAMP)
	$(BIN)/rekruttering db upgrade
	$(BIN)/rekruttering demo --if-empty
	$(BIN)/rekruttering serve --host 127.0.0.1 --port 5000

## The whole suite (on PostgreSQL too when REKRUTTERING_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist load

## The suite with the frozen clock at another instant: make test-at NOW=2027-03-28T00:45:00Z
test-at: $(STAMP)
	REKRUTTERING_TEST_NOW=$(NOW) $(BIN)/pytest -n 2 --dist load

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks (10k and 100k people, both databases) print ratios and goals; not part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m bench.run

## Load: open-loop arrivals (Poisson) on gunicorn (2 workers) and PostgreSQL: capacity, then two minutes at half of it.
load: $(STAMP)
	$(BIN)/python -m bench.load

translations: $(STAMP)
	$(BIN)/python -m tools.i18n compile
	$(BIN)/python -m tools.i18n missing

migrate: $(STAMP)
	$(BIN)/rekruttering db upgrade

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
