"""Administration's journey: add an employer partner with an occupational field and a contact
person, using the real form in the browser."""

import pytest

from employers.models import ContactPerson, Employer
from fallmanagement.core.roles import Role
from tests.factories import make_user

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_administrator_adds_an_employer_with_a_contact_person(page, axe, transactional_db):
    thomas = make_user(Role.ADMINISTRATION, username="thomas", is_staff=True)
    login(page, thomas)
    page.goto("/betriebe/neu/")
    page.fill("#id_name", "Edelstahl- und Metallbau Hofmann")
    page.fill("#id_postcode", "34123")
    page.fill("#id_city", "Kassel")
    page.select_option("#id_fields-0-kldb_group", "24")
    page.fill("#id_contacts-0-name", "Jörg Hofmann")
    page.fill("#id_contacts-0-role", "Geschäftsführung")
    page.fill("#id_contacts-0-phone", "0561 123456")
    page.check("#id_contacts-0-consent_to_store")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    employer = Employer.objects.get(name="Edelstahl- und Metallbau Hofmann")
    assert page.url.endswith(f"/betriebe/{employer.pk}/")
    assert list(employer.kldb_groups.values_list("code", flat=True)) == ["24"]
    contact = ContactPerson.objects.get(employer=employer)
    assert contact.name == "Jörg Hofmann"
    assert contact.consent_date is not None
    assert "Jörg Hofmann" in page.content()
    assert_no_axe_violations(page, axe)


def test_employer_form_errors_are_announced_accessibly(page, axe, transactional_db):
    thomas = make_user(Role.ADMINISTRATION, username="thomas", is_staff=True)
    login(page, thomas)
    page.goto("/betriebe/neu/")
    page.fill("#id_postcode", "341")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert not Employer.objects.exists()
    assert page.locator(".invalid-feedback, .errorlist, [role=alert]").count() >= 1
    assert_no_axe_violations(page, axe)
