#!/usr/bin/env bash
# Production-like server, as `make serve` runs it: gunicorn (scripts/gunicorn.conf.py: worker
# model and count, chosen by measurement, README → Benchmark) and the background
# worker (`manage.py db_worker`), which is started again whenever it exits - it does when
# the database goes away - so that jobs waiting in the queue run once the database is back.
#
# Usage: scripts/serve.sh [HOST:PORT] [WORKERS]   (environment: settings as for manage.py)
#   WORKERS               gunicorn workers (default: scripts/gunicorn.conf.py)
#   SERVE_APP             the application (default fallmanagement.wsgi; an ASGI worker class,
#                         given in GUNICORN_CMD_ARGS, needs fallmanagement.asgi:application)
#   WORKER_RESTART_DELAY  seconds between a worker exit and its restart (default 2)
#   PYTHON                the Python of the venv (default .venv/bin/python)
# In production systemd does the same for the worker (README: Restart=always).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIND=${1:-127.0.0.1:8000}
WORKERS=${2:-}
APP=${SERVE_APP:-fallmanagement.wsgi}
PYTHON=${PYTHON:-.venv/bin/python}
DELAY=${WORKER_RESTART_DELAY:-2}

supervise_worker() {
    local child=
    trap '[[ -n $child ]] && kill "$child" 2>/dev/null; wait; exit 0' TERM INT
    while true; do
        "$PYTHON" manage.py db_worker &
        child=$!
        wait "$child" || echo "serve.sh: db_worker beendet (Status $?), Neustart in ${DELAY} s" >&2
        child=
        sleep "$DELAY" &
        wait $! || true
    done
}

supervise_worker &
supervisor=$!
trap 'kill "$supervisor" 2>/dev/null || true; wait "$supervisor" 2>/dev/null || true' EXIT

# gunicorn >= 25 opens a control socket in ~/.gunicorn by default: one per user, so a second
# server (bench, another checkout) would collide. It is not needed here.
nocontrol=$("$(dirname "$PYTHON")/gunicorn" --help | grep -o -- '--no-control-socket' || true)
# The benchmark (bench/run.py) starts this script as it is: what is measured is what is served.
"$(dirname "$PYTHON")/gunicorn" "$APP" --config scripts/gunicorn.conf.py --bind "$BIND" \
    ${WORKERS:+--workers "$WORKERS"} $nocontrol
