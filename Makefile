# PDR — two commands from a fresh clone:
#   make run    set up, migrate, seed demo data and start the three services (Ctrl-C stops them)
#   make test   set up and run every test on SQLite and on PostgreSQL, migration checks and API fuzzing
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432
# Scoring's PNG charts and report PDFs are drawn with this font file (services/scoring/evaluation/fonts.py);
# deploy/Dockerfile installs the same Debian package.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: run test lint lock test-newest test-sqlite test-postgresql migrations-check fuzz bench setup fonts postgres standby wrk chromium clean

# The environment is installed from requirements.lock (every package pinned with its hashes, for Python 3.11 on
# Linux x86_64), then the project itself without dependencies. `make lock` regenerates the lock after a change to
# pyproject.toml, keeping every pin it can (uv prefers the versions already locked); `make test-newest` runs the
# tests against the newest versions pyproject.toml allows.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --no-header --quiet --output-file requirements.lock

NEWEST := .venv-newest
test-newest: chromium
	test -x $(NEWEST)/bin/python || $(PY) -m venv $(NEWEST)
	$(NEWEST)/bin/pip install --quiet --upgrade pip
	$(NEWEST)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	PDR_TEST_DB=sqlite $(NEWEST)/bin/pytest tests/unit tests/api -q

# Guardrails (issue 17): ruff with the rules in pyproject.toml, and mypy's per-package error counts, which may
# only go down (tests/guardrails/mypy_ratchet.py; the kernel and the modules listed there have none).
lint: setup
	$(BIN)/ruff check services tests
	$(BIN)/python -m tests.guardrails.mypy_ratchet

setup: $(STAMP) fonts

fonts:
	@test -f $(CJK_FONT) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei)

run: setup
	$(BIN)/pdr up --data-dir var --demo

postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

# A hot standby of that PostgreSQL on 127.0.0.1:5433 (streaming replication, built with pg_basebackup outside
# the repository), for the read-replica test and benchmark (issue 19). Idempotent: see tests/pg_standby.sh.
standby: postgres
	@bash tests/pg_standby.sh

wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

# The browser tests drive Debian's chromium (a browser download by the test tool does not work here);
# the CJK font (fonts) makes the screenshots of the Chinese pages legible.
chromium: fonts
	command -v chromium || (apt-get update && apt-get install -y chromium)

test-sqlite: setup chromium
	PDR_TEST_DB=sqlite $(BIN)/pytest -q

test-postgresql: setup postgres standby
	PDR_TEST_DB=postgresql PDR_TEST_PG=$(PG_URL) $(BIN)/pytest -q

migrations-check: setup postgres
	$(BIN)/python -m tests.migrations_check

fuzz: setup postgres
	$(BIN)/python -m tests.fuzz

test: lint test-sqlite test-postgresql migrations-check fuzz

bench: setup postgres standby wrk
	PDR_TEST_DB=postgresql $(BIN)/pytest tests/perf -q -s

clean:
	rm -rf var .pytest_cache
