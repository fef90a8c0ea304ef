"""The shared PDF renderer: tagged PDFs, and no fetching of anything but static files."""

import io

import pytest
from pypdf import PdfReader

from fallmanagement.core.pdf import BlockedResourceError, StaticOnlyURLFetcher, render_pdf


def test_pdf_is_tagged_with_language(settings):
    pdf = render_pdf("pdf/base.html", {"programme": settings.PROGRAMME})
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pdf_header.startswith("%PDF-1.7")
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_fetcher_serves_static_files():
    result = StaticOnlyURLFetcher().fetch("static:css/print.css")
    assert b"@page" in result.read()


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "static:../settings.py"],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(BlockedResourceError):
        StaticOnlyURLFetcher().fetch(url)
