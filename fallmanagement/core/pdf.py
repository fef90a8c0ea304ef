"""PDF rendering with WeasyPrint for all documents (certificates, agreements, reports).

The URL fetcher only serves the app's own static files: a participant's free text can never
make the server fetch a URL (SSRF) or read a local file.
"""

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "static:"


class BlockedResourceError(ValueError):
    pass


class StaticOnlyURLFetcher(URLFetcher):
    """Resolves `static:<path>` (and STATIC_URL paths) from the static files; refuses the rest."""

    def fetch(self, url, headers=None):
        path = None
        if url.startswith(STATIC_PREFIX):
            path = url[len(STATIC_PREFIX) :]
        elif url.startswith(static("")):
            path = url[len(static("")) :]
        if path and ".." not in Path(path).parts:
            found = finders.find(path)
            if found:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    Path(found).as_uri(),
                    Path(found).read_bytes(),
                    headers={"Content-Type": content_type},
                )
        raise BlockedResourceError(f"Resource not allowed in PDFs: {url[:80]}")


def render_pdf(template_name: str, context: dict, *, lang: str = "de") -> bytes:
    """Render a template to a tagged PDF (PDF/UA-1: language and title come from the HTML)."""
    html = render_to_string(template_name, {**context, "pdf_lang": lang})
    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1")
