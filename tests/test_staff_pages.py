"""Staff & RingCentral: company admins tick RingCentral and map extensions in the app itself,
for their own company only; every change lands in the audit log."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from arcadium.audit.models import AuditEvent
from crm.models import Resource
from tests.factories import ResourceFactory
from tests.telephony_factories import ConnectorFactory


@pytest.fixture
def company_admin(entity):
    admin = ResourceFactory(entity=entity, display_name="Dana Admin")
    admin.user.user_permissions.add(
        Permission.objects.get(codename="change_resource"), Permission.objects.get(codename="view_auditevent")
    )
    client = Client()
    client.force_login(admin.user)
    return client


def post(client, resource, **fields):
    data = {"ringcentral_extension_number": "", "ringcentral_extension_id": ""} | fields
    return client.post(reverse("telephony-staff-detail", args=[resource.pk]), data)


def test_the_list_shows_the_companys_staff_only(company_admin, resource, other_entity):
    stranger = ResourceFactory(entity=other_entity, display_name="Nora Lind")
    page = company_admin.get(reverse("telephony-staff-list")).content.decode()
    assert resource.display_name in page and "Dana Admin" in page
    assert stranger.display_name not in page


def test_the_record_has_the_checkbox_with_the_seed_wording(company_admin, resource):
    page = BeautifulSoup(
        company_admin.get(reverse("telephony-staff-detail", args=[resource.pk])).content, "html.parser"
    )
    checkbox = page.select_one("input[name=ringcentral_enabled]")
    assert checkbox is not None and checkbox.get("type") == "checkbox"
    text = page.get_text(" ", strip=True)
    assert "Activates RingCentral for this user the next time they connect." in text
    assert "ask Arcadium support to get your system ready for RingCentral" in text
    ConnectorFactory(entity=resource.entity)
    again = company_admin.get(reverse("telephony-staff-detail", args=[resource.pk])).content.decode()
    assert "Ready: ticking the checkbox sends this user to RingCentral" in again


def test_ticking_and_mapping_are_saved_and_audited(company_admin, resource):
    response = post(company_admin, resource, ringcentral_enabled="on", ringcentral_extension_number="101")
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.ringcentral_enabled and resource.ringcentral_extension_number == "101"
    actions = set(AuditEvent.objects.filter(entity_id=resource.entity_id).values_list("action", flat=True))
    assert {"ringcentral_ticked", "extension_mapped"} <= actions

    post(company_admin, resource, ringcentral_extension_number="101")
    assert AuditEvent.objects.filter(action="ringcentral_unticked").count() == 1
    assert AuditEvent.objects.filter(action="extension_mapped").count() == 1  # the mapping did not change


def test_an_extension_held_by_someone_else_is_a_form_error(company_admin, resource, entity):
    ResourceFactory(entity=entity, display_name="Bob", ringcentral_extension_id="62000102")
    response = post(company_admin, resource, ringcentral_extension_id="62000102")
    assert response.status_code == 400
    assert "already mapped to Bob" in response.content.decode()
    resource.refresh_from_db()
    assert resource.ringcentral_extension_id == ""


def test_another_companys_record_is_a_404_and_nothing_changes(company_admin, other_entity):
    stranger = ResourceFactory(entity=other_entity)
    assert company_admin.get(reverse("telephony-staff-detail", args=[stranger.pk])).status_code == 404
    assert post(company_admin, stranger, ringcentral_enabled="on").status_code == 404
    assert not Resource.objects.get(pk=stranger.pk).ringcentral_enabled
    assert not AuditEvent.objects.exclude(action="sign_in").exists()


def test_staff_without_the_permission_get_403(staff_client, resource):
    assert staff_client.get(reverse("telephony-staff-list")).status_code == 403
    assert staff_client.get(reverse("telephony-staff-detail", args=[resource.pk])).status_code == 403
    assert staff_client.get(reverse("audit-log")).status_code == 403


def test_the_audit_log_shows_the_companys_events_only(company_admin, resource, other_entity):
    AuditEvent.objects.create(entity_id=other_entity.pk, action="sign_in", summary="Nora signed in")
    post(company_admin, resource, ringcentral_enabled="on")
    page = company_admin.get(reverse("audit-log")).content.decode()
    assert f"RingCentral ticked for {resource.display_name}" in page
    assert "Nora signed in" not in page


def test_audit_events_cannot_be_changed(company_admin, resource):
    post(company_admin, resource, ringcentral_enabled="on")
    event = AuditEvent.objects.first()
    event.summary = "nothing happened"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
