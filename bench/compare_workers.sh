#!/usr/bin/env bash
# Worker model comparison for scripts/gunicorn.conf.py: throughput of one page (default: the
# caseload list) at 20 users for sync, gthread and ASGI workers and several worker counts,
# each served by scripts/serve.sh with the override given. Results: bench/results/workers-*.json
# and one line per model on stdout. Needs the bench database (run `make bench` once first).
#
# Usage: DATABASE_URL=<owner URL> bench/compare_workers.sh ["page name"] [seconds] [label regex]
# ASGI workers need DB_POOL=1: Django opens a connection per request thread under ASGI, and
# persistent ones exhaust max_connections (measured: "remaining connection slots are reserved").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PAGE=${1:-caseload list}
SECONDS_EACH=${2:-15}
ONLY=${3:-.}
PY=${PYTHON:-.venv/bin/python}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

run() { # label workers gunicorn-args [app] [server env KEY=VALUE]
    local label=$1 workers=$2 extra=$3 app=${4:-} env=${5:-}
    [[ $label =~ $ONLY ]] || return 0
    local out=bench/results/workers-$stamp-$label.json
    "$PY" -m bench.run --only throughput --throughput-pages "$PAGE" \
        --throughput-seconds "$SECONDS_EACH" --workers "$workers" \
        --gunicorn-args "$extra" ${app:+--app "$app"} ${env:+--server-env "$env"} --output "$out" >/dev/null
    "$PY" - "$out" "$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, tp in d["throughput"].items():
    print(f"{sys.argv[2]:24} {tp['requests_per_second']:7} req/s  p50 {tp['p50_ms']:7} ms  "
          f"p95 {tp['p95_ms']:7} ms  errors {tp['errors']}  load {d['load']['before']}")
PY
}

run sync-w3 3 ""
run sync-w5 5 ""
run sync-w8 8 ""
run gthread-w2-t4 2 "--worker-class gthread --threads 4"
run gthread-w3-t4 3 "--worker-class gthread --threads 4"
run gthread-w5-t2 5 "--worker-class gthread --threads 2"
run gthread-w3-t4-pool 3 "--worker-class gthread --threads 4" "" DB_POOL=1
run gthread-w5-t2-pool 5 "--worker-class gthread --threads 2" "" DB_POOL=1
run asgi-w3 3 "--worker-class asgi" fallmanagement.asgi:application
run asgi-w5 5 "--worker-class asgi" fallmanagement.asgi:application
run asgi-w3-pool 3 "--worker-class asgi" fallmanagement.asgi:application DB_POOL=1
