"""gunicorn settings of `make serve` (scripts/serve.sh), which the benchmark starts as it is.

The worker model was chosen by measurement (README → Benchmark: sync, gthread and ASGI workers
on the caseload list with 20 concurrent users, two cores, 100 000 participants).
Overrides for a comparison: GUNICORN_CMD_ARGS="--worker-class gthread --threads 4" (gunicorn
reads it; command-line options win over it, it wins over this file).
"""

import os

worker_class = "sync"
# Django's template rendering holds the GIL: on a CPU-bound server one process per core plus
# one to cover the time a worker waits for PostgreSQL (the default of serve.sh).
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
graceful_timeout = 5
# No access log: request lines would carry query strings (search terms, names).
accesslog = None
