# eCaRE — the two front-door commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' && { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# E-mail links and the printed demo accounts use the address actually served (unless SITE_URL is set).
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test install venv sysdeps migrate seed serve lint check worker beat bench clean

demo: install sysdeps migrate seed ## set up and run the portal on the embedded default, with demo data
	SITE_URL=$(SITE_URL) $(PY) manage.py comptes_demo
	@echo "eCaRE démarre sur http://$(HOST):$(PORT)/  (Ctrl+C pour arrêter)"
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: install sysdeps ## the whole test suite (uses DATABASE_URL / REDIS_URL when set)
	@bash scripts/vnu.sh
	$(PY) -m pytest $(PYTEST_ARGS)

venv: $(PY)
$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "Python ≥ 3.11 est introuvable : installez python3.11 ou plus récent." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)

install: $(VENV)/.installed ## create .venv and install the project with its test tools
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

sysdeps:
	@bash scripts/dependances_systeme.sh

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

serve: install
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A care_portal worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A care_portal beat --loglevel=INFO

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/bench_import_finess.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
