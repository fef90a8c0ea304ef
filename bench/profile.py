"""`python -m bench.profile PATH [USER]`: where the milliseconds of one page go, in-process.

Runs against the bench database (DATABASE_URL = the bench database's URL, as bench/run.py
leaves it), with the benchmark's settings (production settings, bench/settings.py). Prints the
median server time and SQL time of --requests requests, the time spent in template rendering,
in building SQL (query compilation) and in the middleware, then cProfile's top functions by
their own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Timer:
    """Sums the wall time of the wrapped calls (only the outermost call of a recursion)."""

    def __init__(self):
        self.seconds = 0.0
        self.depth = 0

    def wrap(self, function):
        def wrapper(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - started

        return wrapper


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("user", nargs="?", default="fallmanagement")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.pop("DJANGO_DEBUG", None)
    os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["DB_POOL"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.base import Template
    from django.test import Client

    from bench.run import SqlTimer

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    for _ in range(3):
        client.get(args.path)

    render, compile_sql = Timer(), Timer()
    Template.render = render.wrap(Template.render)
    SQLCompiler.as_sql = compile_sql.wrap(SQLCompiler.as_sql)
    server, sql, renders, compiles = [], [], [], []
    for _ in range(args.requests):
        timer = SqlTimer()
        render.seconds = compile_sql.seconds = 0.0
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            client.get(args.path)
            server.append(time.perf_counter() - started)
        sql.append(timer.seconds)
        renders.append(render.seconds)
        compiles.append(compile_sql.seconds)
    queries = timer.queries

    def med(values):
        return round(statistics.median(values) * 1000, 2)

    print(f"{args.path} as {args.user}: {queries} queries, median of {args.requests} requests")
    print(f"  server time        {med(server):8} ms")
    print(f"  SQL (execute)      {med(sql):8} ms")
    print(f"  template rendering {med(renders):8} ms  (SQL run while rendering counted there too)")
    print(f"  building SQL       {med(compiles):8} ms  (ORM query compilation)")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(args.path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
