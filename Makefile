# Dukcapil back-office. `make run` for a local server, `make test` for the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEV_ENV := DJANGO_DEBUG=true
PG_URL ?= postgres://postgres@127.0.0.1:5432/dukcapil_test_run

.PHONY: run install migrate seed test test-pg lint format bench bench-small clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(PY) manage.py load_regions
	$(DEV_ENV) $(PY) manage.py load_catalogue
	$(DEV_ENV) LOG_LEVEL=WARNING $(PY) manage.py seed_demo

## SQLite, eager Celery, console WhatsApp sender: nothing else to run.
run: seed
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## The whole suite on SQLite (browser tests skip with a reason when chromium is missing).
test: install
	$(VENV)/bin/pytest -q

## The whole suite on PostgreSQL.
test-pg: install
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/run.py --sizes 10000,1000000

bench-small: install
	$(PY) bench/run.py --sizes 1000,10000 --small

clean:
	rm -rf $(VENV) db.sqlite3 private_media staticfiles test-artifacts
