"""While the database is unreachable: /healthz answers at once, every page a German 503.

`DatabaseOutageMiddleware` comes first in MIDDLEWARE. It answers /healthz before sessions,
users and the audit context are touched (one query, no session), and turns a view's failure
to reach the database into the 503 page. Middleware that fails for the same reason (loading
the session, saving it) ends in handler500, which hands over to `unavailable_response` too.
The page is rendered without a request context: nothing on it may need the database.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

HEALTHZ_PATH = "/healthz"
RETRY_AFTER_SECONDS = 10


def database_unavailable(exception: BaseException | None) -> bool:
    """Lost or refused connection (also a pool timeout, a server shutting down)."""
    return isinstance(exception, OperationalError | InterfaceError)


def unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if database_unavailable(exception):
            return unavailable_response()
        return None
