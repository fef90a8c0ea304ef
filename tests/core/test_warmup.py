"""A gunicorn worker compiles every project template before its first request and then keeps
the garbage collector off the long-lived objects (gc.freeze)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from fallmanagement.core.warmup import warm_up

ROOT = Path(settings.BASE_DIR)

PROBE = """
import gc, django
django.setup()
from fallmanagement.core.warmup import warm_up_and_freeze
before = gc.get_freeze_count()
warm_up_and_freeze()
print(before, gc.get_freeze_count())
"""


def test_warm_up_compiles_every_project_template():
    templates = list((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 50
    assert warm_up() == len(templates)


def test_a_warmed_up_worker_freezes_what_lives_as_long_as_the_process():
    # As a server starts it: production settings (DEBUG off).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fallmanagement.settings",
        "SECRET_KEY": "x" * 50,
    }
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    before, after = map(int, result.stdout.split())
    assert before == 0 and after > 100_000


@pytest.mark.parametrize("hook", ["post_worker_init"])
def test_gunicorn_calls_the_warm_up_in_each_worker(hook):
    namespace: dict = {}
    exec((ROOT / "scripts" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    assert callable(namespace[hook])
    assert "warm_up_and_freeze" in namespace[hook].__code__.co_names
