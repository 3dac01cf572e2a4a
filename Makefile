# Netloom: `make run` sets everything up and serves the app; `make test` sets everything up
# and runs every test. Both work on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup migrate demo run test lint typecheck bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py createdemo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	NETLOOM_SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-key-but-long-enough-for-the-check \
	  NETLOOM_SECURE=1 DATABASE_URL=$${DATABASE_URL:-sqlite:///var/check.sqlite3} \
	  $(PY) manage.py check --deploy --fail-level WARNING

typecheck: setup
	$(VENV)/bin/mypy

test: lint typecheck
	$(VENV)/bin/pytest

bench: migrate
	$(PY) bench/validate.py
	$(PY) bench/collab.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
