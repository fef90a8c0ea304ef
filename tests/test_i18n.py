"""Languages: the German UI switches to English, Django's own strings are German in German,
and the English catalog is complete (every source string translated, none fuzzy)."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from .factories import EmployerFactory, PlacementFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
EN_PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
DE_PO = BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def compiled_catalogs(settings):
    """`make test` compiles the catalogs; a bare `pytest` run gets them compiled here."""
    if shutil.which("msgfmt"):
        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
    # Re-assigning LOCALE_PATHS drops Django's cached catalogs, so freshly compiled ones load.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


def english(client):
    """Switch the client to English the way the navbar switcher does."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- English pages ---------------------------------------------------------------------


def test_switcher_turns_the_caseworker_start_page_english(caseworker_client):
    page = text(english(caseworker_client).get("/"))
    assert '<html lang="en"' in page
    assert "My week" in page
    assert "Participants" in page and "Placements" in page and "Employers" in page
    assert "Log out" in page
    for german in ("Meine Woche", "Teilnehmende", "Einsätze", "Abmelden", "Guten Tag"):
        assert german not in page


def test_german_is_the_default_and_can_be_switched_back(caseworker_client):
    page = text(caseworker_client.get("/"))
    assert "Meine Woche" in page and "My week" not in page
    english(caseworker_client)
    caseworker_client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert "Meine Woche" in text(caseworker_client.get("/"))


def test_accept_language_header_picks_english(client, caseworker):
    client.force_login(caseworker)
    page = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "My week" in page and "Meine Woche" not in page


def test_reporting_start_page_in_english(reporter_client):
    page = text(english(reporter_client).get("/"))
    assert "Reporting" in page and "Create funding report" in page
    assert "Berichtswesen" not in page and "Förderbericht erstellen" not in page


def test_administration_start_page_in_english(admin_client_role):
    page = text(english(admin_client_role).get("/"))
    assert "Manage employers" in page and "Administration" in page
    assert "Betriebe verwalten" not in page and "Verwaltung" not in page


def test_caseload_list_in_english(caseworker_client, participant):
    page = text(english(caseworker_client).get(reverse("participants:list")))
    assert "My participants" in page and "Search and filter" in page
    assert "Meine Teilnehmenden" not in page and "Suchen und filtern" not in page


def test_case_file_in_english(caseworker_client, participant):
    page = text(
        english(caseworker_client).get(reverse("participants:detail", args=[participant.pk]))
    )
    assert "Next steps" in page and "Record case note" in page
    assert "Nächste Schritte" not in page and "Gesprächsnotiz erfassen" not in page


def test_employer_list_in_english(caseworker_client):
    EmployerFactory()
    page = text(english(caseworker_client).get(reverse("employers:list")))
    assert "Search and filter employers" in page and "Employers" in page
    assert "Betriebe suchen und filtern" not in page


def test_placement_board_in_english(caseworker_client, participant):
    PlacementFactory(participant=participant)
    page = text(english(caseworker_client).get(reverse("placements:board")))
    assert "Planned and agreed placements" in page
    assert "Geplante und vereinbarte Einsätze" not in page


def test_report_page_in_english(reporter_client):
    page = text(english(reporter_client).get(reverse("reports:index")))
    assert "Funding report" in page and "Period and scope" in page and "Show report" in page
    assert "Zeitraum und Umfang" not in page and "Bericht anzeigen" not in page


def test_form_errors_in_english(reporter_client):
    english(reporter_client)
    params = "?kind=frei&date_from=2025-05-01&date_to=2025-01-01"
    response = reporter_client.get(reverse("reports:index") + params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end must not be before the start." in page
    assert "Das Ende darf nicht vor dem Beginn liegen." not in page


# --- Django's own strings in German ----------------------------------------------------


def test_select_empty_label_is_german(caseworker_client, participant):
    placement = PlacementFactory(participant=participant)
    page = text(caseworker_client.get(reverse("placements:edit", args=[placement.pk])))
    assert "– bitte wählen –" in page
    assert "Select an option" not in page


def test_select_empty_label_in_english(caseworker_client, participant):
    placement = PlacementFactory(participant=participant)
    english(caseworker_client)
    page = text(caseworker_client.get(reverse("placements:edit", args=[placement.pk])))
    assert "bitte wählen" not in page


def test_country_names_without_german_translation_are_german(caseworker_client):
    page = text(caseworker_client.get(reverse("participants:create")))
    assert "Türkei" in page and "Türkiye" not in page
    assert "Palästina" in page


# --- Catalog completeness --------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def parse_po(path: Path) -> list[dict]:
    """A minimal .po reader: msgid, msgid_plural, msgstr(s) and flags of each live entry."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", key)
            if match or key == "msgstr":
                field = ("msgstr", int(match.group(1)) if match else 0)
                entry["msgstr"][field[1]] = _unquote(value)
            else:
                field = key
                entry[key] = _unquote(value)
    return [e for e in entries if e["msgid"]]


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def test_every_english_string_is_translated():
    entries = parse_po(EN_PO)
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    plural_gaps = [e["msgid"] for e in entries if e["msgid_plural"] and len(e["msgstr"]) < 2]
    assert not untranslated, f"locale/en: translate these msgids: {untranslated}"
    assert not fuzzy, f"locale/en: check and un-fuzzy these msgids: {fuzzy}"
    assert not plural_gaps, f"locale/en: plural forms missing: {plural_gaps}"


@pytest.mark.parametrize("po", [EN_PO, DE_PO], ids=["en", "de"])
def test_translations_keep_their_placeholders(po):
    for entry in parse_po(po):
        sources = [entry["msgid"], entry["msgid_plural"] or entry["msgid"]]
        for n, translated in entry["msgstr"].items():
            source = sources[min(n, 1)]
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), (
                source,
                translated,
            )


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext tools not installed")
def test_english_catalog_covers_every_marked_string(tmp_path):
    """Re-extract the strings from a copy of the sources: a newly marked string that is not
    in locale/en (makemessages not run, or not translated) fails here."""
    copy = tmp_path / "src"
    skip = {".venv", ".git", "staticfiles", "bench", "node_modules", "media", "backups"}
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=lambda directory, names: [
            n
            for n in names
            if (Path(directory) == BASE_DIR and n in skip)
            or n in {"__pycache__", ".pytest_cache", ".ruff_cache"}
            or n.endswith((".mo", ".pyc"))
        ],
    )
    fresh = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    fresh.unlink()
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = {(e["msgid"], e["msgid_plural"]) for e in parse_po(fresh)}
    committed = {(e["msgid"], e["msgid_plural"]) for e in parse_po(EN_PO)}
    missing = sorted(m for m, _ in extracted - committed)
    assert not missing, (
        "New strings are missing in locale/en/LC_MESSAGES/django.po. Run `DJANGO_DEBUG=1 "
        "manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=bench "
        f"--no-obsolete` and translate them: {missing}"
    )
