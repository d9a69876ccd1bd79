# ISA Registry: `make run` sets everything up and serves the demo; `make test` sets up and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup system-packages run serve test test-sqlite test-postgresql lint postgres bench clean

help:
	@echo "make run   - set up, build the database, load the demo and serve http://127.0.0.1:5000"
	@echo "make test  - set up and run the whole test suite (SQLite, then PostgreSQL) and lint"
	@echo "make bench - run the benchmark (SIZE=S|M|L)"

# Debian packages: Graphviz for the map, Chromium for the browser tests, Node for the front-end build,
# Pango, HarfBuzz and a font for WeasyPrint's PDFs.
system-packages:
	@missing=""; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	ldconfig -p | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b"; \
	dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing="$$missing fonts-dejavu-core"; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/govuk/.built: node_modules/.installed $(shell find assets -type f)
	mkdir -p static/govuk
	npm run --silent build
	rm -rf static/govuk/assets && cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/assets
	rm -rf static/govuk/assets/fonts
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/govuk-frontend.min.js
	touch $@

setup: system-packages $(VENV)/.installed static/govuk/.built

run: setup
	$(FLASK) db upgrade
	$(FLASK) load-demo --with-demo-users
	@echo
	@echo "ISA Registry is at http://127.0.0.1:5000 - sign in as editor@demo.invalid / demo-editor-password"
	@echo "(also viewer@demo.invalid / demo-viewer-password and admin@demo.invalid / demo-admin-password)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production: several gunicorn workers on PostgreSQL (see README).
serve: setup
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn --workers 4 --bind 127.0.0.1:5000 wsgi:app

postgres:
	@if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; \
	fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-sqlite: setup
	$(VENV)/bin/pytest -p no:cacheprovider
	$(VENV)/bin/pytest -p no:cacheprovider --doctest-modules isa_registry/core

# The database tests again on PostgreSQL. A run that cannot reach the server fails; it never skips.
test-postgresql: setup postgres
	TEST_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -p no:cacheprovider -m db

test: lint test-sqlite test-postgresql

bench: setup
	$(PY) -m bench --size $(or $(SIZE),M)

clean:
	rm -rf $(VENV) node_modules static/govuk
