"""Request middleware: no caching of pages that may show personal data."""


class NoStoreMiddleware:
    """Pages of logged-in users may show social data: browsers and proxies must not keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
        return response
