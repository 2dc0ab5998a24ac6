# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run-$(shell cat requirements.txt | md5sum | cut -c1-12)
STAMP_DEV := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
DEMO_PASSWORD ?= demo-portal-2026
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
BENCH_COMMAND ?= make bench

.PHONY: run test install install-dev migrate demo lint format bench messages clean check system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py sync_schedule
	$(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"

## Serve web + Celery worker + beat on http://127.0.0.1:8000 (SQLite, filesystem broker). Ctrl-C stops all.
run: demo
	@echo ""
	@echo "  Open http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@echo ""
	$(VENV)/bin/honcho -f Procfile start

## Debian packages for the suite (PostgreSQL, Redis, Chromium, gettext, fonts): installed when root, else the apt-get line, exit 3.
system-packages:
	@scripts/system-packages

## Whole suite on a throwaway PostgreSQL + Redis, with browser tests in headless Chromium: the tests
## marked `serial` (PostgreSQL/Redis restarts) alone after a pytest-xdist pass of all the others (scripts/test-suite; PYTEST_WORKERS=auto).
test: system-packages install-dev
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYTEST_WORKERS="$(PYTEST_WORKERS)" scripts/test-services scripts/test-suite $(PY) $(PYTEST_ARGS)

check: install-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

lint: install-dev
	$(PY) -m ruff check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## Every row of issue 11's table on a throwaway PostgreSQL + Redis: prints it, writes docs/performance.md, fails on a missed goal.
bench: system-packages install-dev
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" BENCH_COMMAND="$(BENCH_COMMAND)" scripts/test-services $(PY) -m pytest benchmarks \
		-o testpaths=benchmarks -o timeout=3600 --ds=benchmarks.settings --create-db \
		--benchmark-columns=min,median,max,rounds $(PYTEST_ARGS)

## Recompile Spanish translations after editing locale/es/LC_MESSAGES/django.po
messages: install-dev
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=var --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
