"""Settings of the benchmark's own process: the application's production settings plus the
baseline pages (bench/baseline.py) in a URLconf of their own. Never used by a server."""

import copy

from fallmanagement.settings import *  # noqa: F403
from fallmanagement.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
# A copy: the application's settings module stays as it is.
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
