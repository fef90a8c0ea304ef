"""Request middleware: no caching of pages that may show personal data."""

from .security import record_event, second_factor_required


class NoStoreMiddleware:
    """Pages of logged-in users may show social data: browsers and proxies must not keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
        return response


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _nul_in_request(request) -> bool:
    if "\x00" in request.path or "\x00" in request.path_info:
        return True
    # Headers and cookies: a NUL in the session cookie would reach the session query.
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return True
    if _has_nul(str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    for data in (request.GET, request.POST if request.method == "POST" else {}):
        if _has_nul(data.keys()) or any(_has_nul(data.getlist(k)) for k in data):
            return True
    return False


class RejectNulBytesMiddleware:
    """PostgreSQL cannot store NUL characters in text: refuse such input with 400, not a 500.

    Checks the path, headers, cookies, query parameters and form fields (names and values)
    before the session is loaded and any view runs (it sits above the session middleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest
        from django.utils.translation import gettext

        if _nul_in_request(request):
            record_event(request, "bad_request", detail="NUL byte in request")
            return HttpResponseBadRequest(
                gettext(
                    "Die Eingabe enthält ungültige Steuerzeichen (NUL). Bitte entfernen Sie diese."
                )
            )
        return self.get_response(request)


class SecondFactorMiddleware:
    """Users of a role that requires 2FA must confirm a TOTP code before using the app."""

    EXEMPT_PREFIXES = ("/konto/2fa/", "/accounts/logout/", "/static/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and second_factor_required(user)
            and not user.is_verified()
        ):
            return redirect("otp_verify")
        return self.get_response(request)


class SecurityEventMiddleware:
    """Record refused requests (403) as security events: path only, never the query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and not getattr(request, "_fm_security_logged", False):
            record_event(request, "forbidden")
        return response
