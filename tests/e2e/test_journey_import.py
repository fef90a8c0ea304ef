"""Administration imports a participant list in the browser: upload → mapping → preview →
confirm, each page without axe violations."""

import pytest

from fallmanagement.core.roles import Role
from fallmanagement.imports.models import MappingTemplate
from participants.models import Participant
from tests.factories import make_user
from tests.imports.files import xlsx_bytes

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_upload_mapping_preview_confirm(page, axe, transactional_db, tmp_path):
    thomas = make_user(Role.ADMINISTRATION, username="thomas", is_staff=True)
    sheet = tmp_path / "liste.xlsx"
    sheet.write_bytes(
        xlsx_bytes(
            [
                ["Nr.", "Name", "Vorname", "Geb.-Datum", "Geschlecht", "Land"],
                ["TN-1", "Haddad", "Rana", "14.03.1995", "Frau", "Syrien"],
                ["TN-2", "Yilmaz", "Ahmet", "31.02.1988", "m", "Türkei"],
            ],
            title="Teilnehmendenliste (Stand 01.03.2026)",
        )
    )
    login(page, thomas)
    page.goto("/verwaltung/import/")
    assert_no_axe_violations(page, axe)
    page.set_input_files("#id_file", str(sheet))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/zuordnung/")
    assert_no_axe_violations(page, axe)
    page.select_option("#id_col_3", "date_of_birth")
    page.fill("#id_template_name", "Liste Kassel")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "Probelauf: noch ist nichts gespeichert." in page.content()
    assert "„31.02.1988“ ist kein gültiges Datum (TT.MM.JJJJ)." in page.content()
    assert not Participant.objects.exists()
    assert_no_axe_violations(page, axe)
    page.get_by_role("button", name="1 Zeile importieren").click()
    page.wait_for_load_state()
    assert "Import abgeschlossen: 1 neu" in page.content()
    assert list(Participant.objects.values_list("last_name", flat=True)) == ["Haddad"]
    assert MappingTemplate.objects.get().name == "Liste Kassel"
    assert_no_axe_violations(page, axe)
