"""Warm a server process up once, then keep the garbage collector off what stays.

Called by gunicorn after a worker has loaded the application (`post_worker_init` in
scripts/gunicorn.conf.py). Django's objects that live as long as the process (URL patterns,
compiled templates, translation catalogues, model metadata: ~180 000 objects) are compiled
now instead of on the first requests, then moved out of the collector's sight with
`gc.freeze()`: without it, every full collection walks all of them – measured on the start
page at 100 000 participants as a pause of ~90 ms every ~150 requests, the page's worst
latencies (README → Benchmark). The objects of a request are collected as before.
"""

import gc
import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def warm_up() -> int:
    """Compile the project's templates and URL patterns, load the translations; returns how
    many templates were compiled. Nothing here touches the database."""
    from django.template import TemplateSyntaxError, engines
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().reverse_dict  # noqa: B018 (builds the resolver's lookup tables)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # activating a language loads its catalogue
            pass
    compiled = 0
    for engine in engines.all():
        for directory in getattr(engine, "dirs", []):
            root = Path(directory)
            for path in sorted(root.rglob("*.html")):
                try:
                    get_template(path.relative_to(root).as_posix())
                except TemplateSyntaxError:  # shown when the page is asked for, not here
                    logger.exception("template %s does not compile", path)
                else:
                    compiled += 1
    return compiled


def warm_up_and_freeze() -> None:
    compiled = warm_up()
    gc.collect()
    gc.freeze()
    logger.info("warmed up: %d templates, %d objects frozen", compiled, gc.get_freeze_count())
