# WIR – Fallmanagement: developer entry points. `make` (= `make help`) lists the targets.
#
# Python:   scripts/find-python.sh picks a Python >= 3.12 (pyenv version from
#           .python-version first); the venv lives in .venv and is re-installed
#           only when pyproject.toml changes (stamp file .venv/.installed).
# Database: if DATABASE_URL is set (environment or `make run DATABASE_URL=...`)
#           it is used as is. Otherwise scripts/devdb.sh starts a project-local
#           PostgreSQL cluster (unix socket only, outside the checkout) and each
#           target exports its URL for the commands that follow.
#           Two roles, as in production: DATABASE_URL is the application role (the
#           server, the worker, the tests), DATABASE_OWNER_URL the owner role (migrate,
#           test database setup, backup, restore). Without DATABASE_OWNER_URL everything
#           runs as the one DATABASE_URL role.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
# Every recipe runs as ONE bash script, so an exported DATABASE_URL reaches all
# of its commands. Only the first line may carry the `@` prefix.
.ONESHELL:
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# --- settings ---------------------------------------------------------------

VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

HOST := 127.0.0.1
HTTP_PORT := 8000
URL := http://$(HOST):$(HTTP_PORT)/

# Demo logins created by `manage.py seed_demo` (printed by `make run`;
# DEMO_PASSWORD is also passed to seed_demo in the environment).
DEMO_USERS := fallmanagement berichtswesen admin
DEMO_PASSWORD := demo-passwort-2026

PYTEST_ARGS ?=
BENCH_ARGS ?=
# gunicorn workers for `make serve` (override: make serve WORKERS=4; default and worker model:
# scripts/gunicorn.conf.py)
WORKERS ?=
BACKUP_DIR := backups
PG_DUMP ?= pg_dump
PG_RESTORE ?= pg_restore

# --- shell snippets used inside recipes ---------------------------------------

# Use $DATABASE_URL if given, else start the local cluster; export for what follows.
define use_db
if [[ -z "$${DATABASE_URL:-}" ]]; then
  DATABASE_URL="$$(scripts/devdb.sh start)"
  DATABASE_OWNER_URL="$${DATABASE_OWNER_URL:-$$(scripts/devdb.sh owner-url)}"
fi
export DATABASE_URL
if [[ -n "$${DATABASE_OWNER_URL:-}" ]]; then export DATABASE_OWNER_URL; fi
endef

# Migrations run as the owner role, which then grants the application role its row access.
define migrate
echo "==> migrate (Eigentümerrolle)"
DATABASE_APP_URL="$$DATABASE_URL" DATABASE_URL="$${DATABASE_OWNER_URL:-$$DATABASE_URL}" \
  $(MANAGE) migrate --noinput
endef

# Compile .po -> .mo, but only if the project has a locale directory.
define compilemessages
if [[ -n "$$(find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -type d -name locale -print -quit)" ]]; then
  echo "==> compilemessages"
  DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore=$(VENV) --verbosity 0
fi
endef

# Browser tests need the Debian chromium (Playwright drives it, no browser download).
# As root it is installed when missing; otherwise the e2e tests skip with a message.
CHROMIUM := /usr/bin/chromium
define ensure_chromium
if [[ ! -x $(CHROMIUM) ]]; then
  if [[ $$(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install chromium (für die Browser-Tests)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium ||
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } ||
      echo "==> chromium nicht installierbar: Browser-Tests werden übersprungen"
  else
    echo "==> $(CHROMIUM) fehlt: Browser-Tests werden übersprungen (als root: apt-get install chromium)"
  fi
fi
endef

# Is the existing venv usable (Python >= 3.12)? Otherwise force a rebuild.
VENV_OK := $(shell $(PY) -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null)

# --- targets ----------------------------------------------------------------

.PHONY: help install run test lint fmt e2e fuzz serve bench bench-import backup restore db stop-db db-shell clean-db FORCE

help: ## diese Übersicht
	@echo "Aufruf: make <Ziel>   (DATABASE_URL gesetzt = diese Datenbank, sonst lokaler Cluster)"
	echo
	grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) |
	  awk 'BEGIN { FS = ":.*## " } { printf "  make %-10s %s\n", $$1, $$2 }'

install: $(STAMP) ## .venv anlegen und Projekt mit [dev]-Extras installieren

# (Re)create the venv if missing or too old, then install the project editable.
$(STAMP): pyproject.toml $(if $(filter 1,$(VENV_OK)),,FORCE)
	@if [[ "$(VENV_OK)" != 1 ]]; then
	  py=$$(scripts/find-python.sh)
	  echo "==> $(VENV) anlegen mit $$py"
	  rm -rf $(VENV)
	  "$$py" -m venv $(VENV)
	fi
	echo "==> pip install -e '.[dev]'"
	$(PY) -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

FORCE:

run: $(STAMP) ## Entwicklungsserver mit Demo-Daten auf http://127.0.0.1:8000/
	@$(use_db)
	export DJANGO_DEBUG=1
	$(migrate)
	unset DATABASE_OWNER_URL  # the server runs as the application role only
	$(compilemessages)
	echo "==> seed_demo --if-empty"
	DEMO_PASSWORD='$(DEMO_PASSWORD)' $(MANAGE) seed_demo --if-empty
	echo
	echo "  Fallmanagement läuft auf $(URL)"
	echo "  Demo-Anmeldungen (Passwort: $(DEMO_PASSWORD)):"
	for user in $(DEMO_USERS); do echo "    - $$user"; done
	echo
	exec $(MANAGE) runserver $(HOST):$(HTTP_PORT)

test: lint ## ruff + pytest (Argumente: PYTEST_ARGS='-k foo -x')
	@$(use_db)
	$(compilemessages)
	$(ensure_chromium)
	echo "==> pytest $(PYTEST_ARGS)"
	$(PY) -m pytest $(PYTEST_ARGS)

fuzz-reports: $(STAMP) ## lange Angriffsprobe auf den Schutz kleiner Fallzahlen (1000 Datensätze, ganzzahlig)
	@$(PY) -m pytest tests/reports/test_attack.py -m fuzz -q $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check + ruff format --check + Importrichtung (import-linter)
	@echo "==> ruff check"
	$(RUFF) check .
	echo "==> ruff format --check"
	$(RUFF) format --check .
	echo "==> lint-imports (Schichten, siehe README → Architektur)"
	$(VENV)/bin/lint-imports --no-cache

fmt: $(STAMP) ## Code formatieren (ruff check --fix + ruff format)
	@status=0
	$(RUFF) check --fix . || status=$$?
	$(RUFF) format .
	exit $$status

e2e: $(STAMP) ## Browser-Tests (pytest -m e2e, Playwright)
	@$(use_db)
	$(compilemessages)
	$(ensure_chromium)
	echo "==> pytest -m e2e $(PYTEST_ARGS)"
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

fuzz: $(STAMP) ## lange Regel-Prüfung: Zustandsautomat mit FUZZ_EXAMPLES (5000) Beispielen
	@$(use_db)
	export FUZZ_EXAMPLES="$${FUZZ_EXAMPLES:-5000}"
	echo "==> pytest -m fuzz (FUZZ_EXAMPLES=$$FUZZ_EXAMPLES)"
	$(PY) -m pytest -m fuzz tests/placements/test_rules_stateful.py -p no:cacheprovider $(PYTEST_ARGS)

serve: $(STAMP) ## produktionsnah: gunicorn (scripts/gunicorn.conf.py) + db_worker (neu gestartet), ohne DEBUG
	@$(use_db)
	unset DJANGO_DEBUG
	# Local defaults for what production sets explicitly.
	export SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}"
	export ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}"
	export SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}"
	$(migrate)
	unset DATABASE_OWNER_URL  # server and worker run as the application role only
	$(compilemessages)
	echo "==> collectstatic"
	$(MANAGE) collectstatic --noinput --verbosity 0
	echo "==> gunicorn auf $(URL) + db_worker (Strg+C beendet)"
	exec scripts/serve.sh $(HOST):$(HTTP_PORT) $(WORKERS)

bench: $(STAMP) ## Benchmarks (python -m bench.run, Argumente: BENCH_ARGS=...)
	@$(use_db)
	# The benchmark creates and migrates its own database: that is the owner's business;
	# the server it measures connects as the app role, as a deployment does.
	export DATABASE_APP_URL="$$DATABASE_URL"
	export DATABASE_URL="$${DATABASE_OWNER_URL:-$$DATABASE_URL}"
	$(PY) -m bench.run $(BENCH_ARGS)

bench-import: $(STAMP) ## Import-Größentest: 5 000 Teilnehmende + 20 000 Einsätze über den db_worker (BENCH_ARGS=...)
	@$(use_db)
	# Creates and migrates its own database: the owner's business.
	export DATABASE_URL="$${DATABASE_OWNER_URL:-$$DATABASE_URL}"
	$(PY) -m bench.imports $(BENCH_ARGS)

backup: ## Datenbank sichern nach backups/fallmanagement-<Zeitstempel>.dump (0600 in 0700)
	@$(use_db)
	# Personal data: readable by the owner of the backup directory only.
	umask 077
	mkdir -p $(BACKUP_DIR)
	chmod 700 $(BACKUP_DIR)
	file=$(BACKUP_DIR)/fallmanagement-$$(date +%Y%m%d-%H%M%S).dump
	$(PG_DUMP) --format=custom --dbname="$${DATABASE_OWNER_URL:-$$DATABASE_URL}" --file="$$file"
	chmod 600 "$$file"
	echo "==> Sicherung: $$file"

restore: ## Sicherung einspielen: make restore FILE=backups/....dump
	@if [[ -z "$(FILE)" ]]; then echo "Aufruf: make restore FILE=$(BACKUP_DIR)/fallmanagement-....dump" >&2; exit 1; fi
	if [[ ! -f "$(FILE)" ]]; then echo "Datei nicht gefunden: $(FILE)" >&2; exit 1; fi
	$(use_db)
	echo "==> pg_restore $(FILE)"
	$(PG_RESTORE) --clean --if-exists --no-owner --single-transaction \
	  --dbname="$${DATABASE_OWNER_URL:-$$DATABASE_URL}" "$(FILE)"

db: ## lokale Datenbank starten und DATABASE_URL ausgeben
	@scripts/devdb.sh start

stop-db: ## lokale Datenbank stoppen
	@scripts/devdb.sh stop

db-shell: ## psql auf der Datenbank
	@if [[ -n "$${DATABASE_URL:-}" ]]; then exec psql "$$DATABASE_URL"; fi
	exec scripts/devdb.sh psql

clean-db: ## lokale Datenbank stoppen und löschen (alle Daten weg)
	@scripts/devdb.sh destroy
