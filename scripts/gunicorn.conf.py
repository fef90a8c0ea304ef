"""gunicorn settings of `make serve` (scripts/serve.sh), which the benchmark starts as it is.

The worker model was chosen by measurement (README → Benchmark, bench/compare_workers.sh):
sync, gthread and ASGI workers and several counts, caseload list, 20 concurrent users, two
cores, 100 000 participants. gthread with 2 × CPUs + 1 processes of 2 threads was among the
best in every pass; ASGI needs psycopg's pool (DB_POOL=1) and runs Django's sync views in one
thread per process anyway; sync workers idle while their request waits for PostgreSQL.
Each thread keeps its own persistent database connection (CONN_MAX_AGE, checked at the start
of each request): workers × threads connections per server.

Overrides for a comparison: GUNICORN_CMD_ARGS="--worker-class sync" (gunicorn reads it;
command-line options win over it, it wins over this file); WEB_CONCURRENCY sets the workers.
"""

import os

worker_class = "gthread"
threads = 2
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
graceful_timeout = 5
# No access log: request lines would carry query strings (search terms, names).
accesslog = None


def post_worker_init(worker):
    """The app is loaded in this worker: compile what every request needs, then freeze it
    (fallmanagement/core/warmup.py; measured in README → Benchmark)."""
    from fallmanagement.core.warmup import warm_up_and_freeze

    warm_up_and_freeze()
