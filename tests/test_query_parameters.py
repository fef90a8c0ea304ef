"""Query parameters of the wrong type never give a 500, on any view.

The parameter names are discovered, not listed by hand: every `request.GET` read in our source
(`.get("x")`, `.getlist("x")`, `["x"]`, `"x" in request.GET`), every filter of our FilterSets,
the fields of the forms our views bind to `request.GET`, and every parameter of the GET forms
and links of the pages themselves. Each view then gets all of them at once with one kind of
wrong value (a word for an id, a date that does not exist, a huge number, a list …), as page
and as htmx request, as each role that may open it.
"""

import ast
import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import django_filters
import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from tests.test_url_access_matrix import _kwargs, all_url_names, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = ("fallmanagement", "employers", "participants", "placements")
WRONG_VALUES = [
    "abc",  # a word for an id, a number, a date, a choice
    "-1",
    "99999999999999999999999999",  # beyond bigint
    "2026-02-30",  # a date that does not exist
    "²",  # "²".isdigit() is True, int("²") fails
    "' OR '1'='1<script>",
    "",
]
# Views that only run for valid data or only answer POST: GET is refused before any parameter
# is read; sending a GET anyway still must not give a 500 (checked with the rest).


def _source_files():
    for package in OUR_PACKAGES:
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def params_read_in_source() -> set[str]:
    """Names in `request.GET.get("x")`, `.getlist("x")`, `GET["x"]`, `"x" in request.GET`,
    and the form classes constructed with `request.GET`."""
    names: set[str] = set()
    form_classes: set[str] = set()
    for path in _source_files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getlist")
                and _is_request_get(node.func.value)
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
            elif (
                isinstance(node, ast.Subscript)
                and _is_request_get(node.value)
                and isinstance(node.slice, ast.Constant)
            ):
                names.add(node.slice.value)
            elif (
                isinstance(node, ast.Compare)
                and isinstance(node.left, ast.Constant)
                and any(_is_request_get(c) for c in node.comparators)
            ):
                names.add(node.left.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and any(_mentions_request_get(a) for a in node.args)
            ):
                form_classes.add(node.func.id)
            if isinstance(node, ast.Call) and any(
                isinstance(a, ast.Name) and a.id == "request" for a in node.args
            ):
                # A helper handed the request and a parameter name (the board's sections'
                # `_page(request, queryset, "laufend")`): every word constant is a candidate.
                names |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and re.fullmatch(r"[a-z_]+", a.value)
                }
    names |= set(_form_fields(form_classes))
    return {n for n in names if isinstance(n, str)}


def _is_request_get(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "GET"


def _mentions_request_get(node) -> bool:
    return any(_is_request_get(n) for n in ast.walk(node))


def _our_classes():
    for package_name in OUR_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == module.__name__:
                    yield value


def _form_fields(class_names: set[str]) -> set[str]:
    names: set[str] = set()
    for cls in _our_classes():
        if cls.__name__ not in class_names:
            continue
        if issubclass(cls, django_filters.FilterSet):
            names |= set(cls.base_filters)
        elif issubclass(cls, forms.BaseForm):
            names |= set(cls.base_fields)
    return names


def filterset_params() -> set[str]:
    names: set[str] = set()
    for cls in _our_classes():
        if issubclass(cls, django_filters.FilterSet):
            names |= set(cls.base_filters)
    return names


class _QueryNames(HTMLParser):
    """Parameter names of a page's GET forms and of its links' query strings."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_get_form = (a.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and a.get("name"):
            self.names.add(a["name"])
        href = a.get("href") or a.get("data-hx-get") or ""
        if "?" in href:
            self.names |= {k for k, _v in parse_qsl(urlsplit(href).query, keep_blank_values=True)}

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _clients(caseworker, administrator, reporter):
    clients = []
    for user in (caseworker, administrator, reporter):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append((user.username, client))
    return clients


def test_wrong_typed_query_parameters_never_give_a_500(  # noqa: C901
    world,  # noqa: F811
    caseworker,
    administrator,
    reporter,
):
    urls = [
        (name, reverse(name, kwargs=_kwargs(name, pattern, world)))
        for name, pattern in all_url_names()
        if name not in ("logout",)
    ]
    clients = _clients(caseworker, administrator, reporter)
    # Discovery: source, filter sets, and what the pages themselves offer.
    names = params_read_in_source() | filterset_params()
    refused: dict[str, set[str]] = {}  # username: URL names refused to that role
    for username, client in clients:
        for name, url in urls:
            response = client.get(url)
            if response.status_code in (403, 404):
                refused.setdefault(username, set()).add(name)
            if "html" in response.get("Content-Type", ""):
                parser = _QueryNames()
                parser.feed(response.content.decode(errors="replace"))
                names |= parser.names
    names -= {"csrfmiddlewaretoken", "next"}  # `next` is checked by its own tests
    # The discovery found the parameters of the reported 500s and of every kind of view.
    assert {"participant", "employer", "page", "sort", "anzahl", "art", "start", "end"} <= names
    assert {"kind", "year", "laufend", "status", "caseworker", "lang", "employer_q"} <= names

    failures = []
    for username, client in clients:
        for name, url in urls:
            if name in refused.get(username, ()):
                continue  # refused by role before any parameter is read (see the matrix test)
            if username == administrator.username and name not in refused[caseworker.username]:
                continue  # the same code as for the caseworker: once is enough
            if username == administrator.username and name.startswith("reports:"):
                continue  # the reports' code runs for Berichtswesen below
            for value in WRONG_VALUES:
                response = client.get(url, dict.fromkeys(names, value))
                if response.status_code >= 500:
                    failures.append((username, name, value[:20]))
            # The partials htmx asks for read the same parameters.
            response = client.get(url, dict.fromkeys(names, "abc"), HTTP_HX_REQUEST="true")
            if response.status_code >= 500:
                failures.append((username, name, "htmx"))
            # Every parameter given twice, with two different wrong types.
            response = client.get(url, {n: ["abc", "-1"] for n in names})
            if response.status_code >= 500:
                failures.append((username, name, "list"))
    assert failures == []


def test_the_discovery_reads_the_source():
    names = params_read_in_source()
    # request.GET.get("participant") in placements/views.py, the timeline's `anzahl`, the
    # matching period form's fields bound to request.GET.
    assert {"participant", "anzahl", "start", "end", "employer_q", "laufend"} <= names
