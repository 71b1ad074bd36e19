"""The customer account's Calls tab and the call detail page: list, filters, keyset pages,
contacts' calls, notes and reports, troubleshooting, and entity isolation over every URL."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from callreports import calls as history
from callreports.models import Action, CallNote
from telephony.models import Call, Connector
from tests.factories import CustomerFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def make_call(customer, *, minutes_ago=10, contact=None, **fields) -> Call:
    values = {
        "entity": customer.entity,
        "customer": customer,
        "contact": contact,
        "direction": Call.Direction.INBOUND,
        "state": Call.State.ENDED,
        "from_number": "+12125550100",
        "to_number": "+16505550101",
        "started_at": timezone.now() - timedelta(minutes=minutes_ago),
        "duration_seconds": 75,
        "result": "Accepted",
        "matched_on": "Main phone +1 212-555-0100 of customer ACME Corp",
        **fields,
    }
    return Call.objects.create(**values)


def rows(response) -> list:
    return BeautifulSoup(response.content, "html.parser").select("tr.call-row")


def tab(customer) -> str:
    return reverse("callreports-customer-calls", args=[customer.pk])


def test_the_account_shows_a_calls_tab(staff_client, customer):
    page = BeautifulSoup(staff_client.get(customer.get_absolute_url()).content, "html.parser")
    link = page.select_one(f'nav.tabs a[href="{tab(customer)}"]')
    assert link is not None and link.get_text() == "Calls" and link["hx-get"] == tab(customer)


def test_the_list_shows_calls_with_the_customer_and_its_contacts_newest_first(
    staff_client, customer, contact, resource
):
    older = make_call(customer, minutes_ago=60, resource=resource, recording_id="123")
    newer = make_call(
        customer,
        minutes_ago=5,
        contact=contact,
        direction=Call.Direction.OUTBOUND,
        from_number="+16505550101",
        to_number="+15145550142",
        duration_seconds=3725,
    )
    CallNote.objects.create(entity=customer.entity, call=older, text="Asked about the late order")
    Action.objects.create(
        entity=customer.entity,
        subject="Resend invoice 1042",
        assignee=resource,
        customer=customer,
        call=older,
    )
    make_call(CustomerFactory(entity=customer.entity))  # another customer's call
    resource.ringcentral_extension_number = "101"
    resource.save()

    response = staff_client.get(tab(customer))

    assert response.status_code == 200
    found = rows(response)
    assert [r["id"] for r in found] == [f"call-{newer.pk}", f"call-{older.pk}"]
    first, second = (r.get_text(" ", strip=True) for r in found)
    assert "Out" in first and "1:02:05" in first and "Jane Smith" in first and "(514) 555-0142" in first
    assert "+1514" not in first  # one number format: never raw E.164
    assert "In" in second and "1:15" in second and "(212) 555-0100" in second
    headings = [
        th.get_text() for th in BeautifulSoup(response.content, "html.parser").select("table.calls th")
    ]
    assert headings == [
        "Time",
        "Direction",
        "Duration",
        "Extension",
        "From → To",
        "Result",
        "Notes & reports",
        "Recording",
    ]
    extension = found[1].select_one("td.extension").get_text(" ", strip=True)
    assert extension == f"101 {resource.display_name}"
    assert "Asked about the late order" in second and "Resend invoice 1042" in second
    # No listen permission: the recording is marked unavailable (the reason is in the title).
    assert "Unavailable" in second and "permission" in found[1].select("td")[-1].span["title"]


def test_filters_direction_dates_resource_and_recording(staff_client, customer, resource):
    inbound = make_call(customer, minutes_ago=5, resource=resource, recording_id="9")
    outbound = make_call(customer, minutes_ago=6, direction=Call.Direction.OUTBOUND)
    old = make_call(customer, minutes_ago=60 * 24 * 40)

    def ids(query):
        return [r["id"] for r in rows(staff_client.get(f"{tab(customer)}?{query}"))]

    assert ids("direction=outbound") == [f"call-{outbound.pk}"]
    assert ids("recording=on") == [f"call-{inbound.pk}"]
    assert ids(f"resource={resource.pk}") == [f"call-{inbound.pk}"]
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert f"call-{old.pk}" not in ids(f"date_from={since}") and len(ids(f"date_from={since}")) == 2
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert ids(f"date_to={until}") == [f"call-{old.pk}"]


def test_htmx_filter_answers_only_the_results_fragment(staff_client, customer):
    make_call(customer)
    response = staff_client.get(
        f"{tab(customer)}?direction=inbound", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calls-results"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="calls-results">') and '<nav class="tabs"' not in html
    tab_body = staff_client.get(tab(customer), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-body")
    assert tab_body.content.decode().lstrip().startswith('<section id="tab-body"')


def test_pages_go_older_and_newer_by_cursor_with_real_links(staff_client, customer, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 3)
    made = [make_call(customer, minutes_ago=m) for m in range(1, 8)]  # newest first
    first = staff_client.get(tab(customer))
    soup = BeautifulSoup(first.content, "html.parser")
    assert [r["id"] for r in rows(first)] == [f"call-{c.pk}" for c in made[:3]]
    assert soup.select_one('a[rel="prev"]') is None
    older = soup.select_one('a[rel="next"]')
    assert older["href"] == older["hx-get"]

    second = staff_client.get(older["href"])
    assert [r["id"] for r in rows(second)] == [f"call-{c.pk}" for c in made[3:6]]
    soup2 = BeautifulSoup(second.content, "html.parser")
    third = staff_client.get(soup2.select_one('a[rel="next"]')["href"])
    assert [r["id"] for r in rows(third)] == [f"call-{made[6].pk}"]
    assert BeautifulSoup(third.content, "html.parser").select_one('a[rel="next"]') is None

    back = staff_client.get(soup2.select_one('a[rel="prev"]')["href"])
    assert [r["id"] for r in rows(back)] == [f"call-{c.pk}" for c in made[:3]]


def test_no_calls_shows_connector_status_and_offers_a_manual_sync(staff_client, customer, entity):
    Connector.objects.create(
        entity=entity, client_id="a", client_secret="b", status=Connector.Status.CONNECTED
    )
    page = BeautifulSoup(staff_client.get(tab(customer)).content, "html.parser")
    help_box = page.select_one("#troubleshoot").get_text(" ", strip=True)
    assert "Connected" in help_box and "Last sync: never" in help_box
    assert page.select_one(f'#troubleshoot form[action="{reverse("telephony-connector-sync")}"]')


def test_call_detail_says_which_number_matched_which_record(staff_client, customer, contact):
    call = make_call(
        customer, contact=contact, matched_on="Mobile phone +1 514-555-0142 of contact Jane Smith"
    )
    page = BeautifulSoup(
        staff_client.get(reverse("callreports-call-detail", args=[call.pk])).content, "html.parser"
    )
    match = page.select_one("#match").get_text(" ", strip=True)
    assert "ACME Corp" in match and "Jane Smith" in match and "Mobile phone +1 514-555-0142" in match
    assert "Not recorded" in page.select_one("#recording").get_text()


def test_bad_filters_are_a_readable_error_not_a_crash(staff_client, customer):
    make_call(customer)
    response = staff_client.get(f"{tab(customer)}?date_from=2026-05-02&date_to=2026-05-01&before=garbage")
    assert response.status_code == 200
    error = BeautifulSoup(response.content, "html.parser").select_one("#calls-results [role=alert]")
    assert "end date is before the start date" in error.get_text()
    assert rows(response) == []  # no results that ignore the filter under the error


def test_every_url_of_another_entity_is_404(client, customer, other_entity, entity, settings):
    call = make_call(customer, recording_id="5")
    outsider = ResourceFactory(entity=other_entity)
    outsider.user.is_superuser = True  # every permission, still not this company's data
    outsider.user.save()
    client.force_login(outsider.user)
    urls = [
        tab(customer),
        reverse("callreports-call-detail", args=[call.pk]),
        reverse("telephony-call-recording", args=[call.pk]),
        customer.get_absolute_url(),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # The connector page is always the user's own company's: theirs, never ours.
    Connector.objects.create(entity=entity, client_id="ours-client-id", client_secret="s")
    page = client.get(reverse("telephony-connector")).content.decode()
    assert "ours-client-id" not in page and other_entity.name in page
