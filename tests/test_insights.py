"""Insights: the charts' figures equal a direct count over the same calls (each session once,
missed calls called back or not, the promise, the heatmap, per staff member); the account tab
counts that customer only; another company's calls never count."""

import re
import statistics
from collections import Counter
from datetime import timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from telephony.callbacks.models import CallbackItem
from telephony.callbacks.queue import review_call
from telephony.insights.figures import span_text
from telephony.models import Call
from tests.factories import CustomerFactory, EntityFactory, PhoneNumberFactory, ResourceFactory

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("America/New_York")  # the default promise's time zone (settings.TIME_ZONE)
_ids = count(1)


def session(
    entity, staff, number, at, *, answered_by=None, customer=None, direction="inbound", internal=False
):
    """One call that rang `staff` (one row each), answered by one of them or nobody."""
    tsid = f"s-insights-{next(_ids)}"
    rows = []
    for resource in staff:
        answered = resource == answered_by
        rows.append(
            Call.objects.create(
                entity=entity,
                resource=resource,
                telephony_session_id=tsid,
                extension_id=str(resource.pk),
                direction=direction,
                customer=customer,
                from_number=number if direction == "inbound" else "+16505550101",
                to_number=number if direction == "outbound" else "+16505550101",
                other_extension_id="999" if internal else "",
                state="ended" if answered or direction == "outbound" else "missed",
                result="Accepted" if answered else "Missed",
                started_at=at,
                answered_at=at + timedelta(seconds=20) if answered else None,
                ended_at=at + timedelta(minutes=3),
            )
        )
    for row in rows:
        review_call(row.pk)
    return rows


@pytest.fixture
def history(entity, monkeypatch):
    acme = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=acme, raw="+12125550100")
    globex = CustomerFactory(entity=entity, name="Globex")
    PhoneNumberFactory(customer=globex, raw="+13125550177")
    alice, bob, carol = (ResourceFactory(entity=entity, display_name=n) for n in ("Alice", "Bob", "Carol"))
    # "Now" is a Wednesday afternoon (last week's, so nothing is in the future): every week's
    # calls, the ones half an hour or an hour after it included, fall in their own week whatever
    # the day and hour the suite runs at. The pages read the same clock.
    real = timezone.now().astimezone(ZONE)
    wednesday = real.date() - timedelta(days=real.weekday() + 5)
    now = timezone.datetime.combine(wednesday, timezone.datetime.min.time(), tzinfo=ZONE) + timedelta(
        hours=15
    )
    monkeypatch.setattr(timezone, "now", lambda: now)
    team = [alice, bob, carol]
    for weeks_ago in range(13, -1, -1):  # oldest first; two weeks fall outside the 12-week window
        at = now - timedelta(weeks=weeks_ago, hours=weeks_ago % 5)
        session(entity, team, "+12125550100", at, answered_by=bob, customer=acme)  # rang three, Bob answered
        session(entity, [alice, bob], "+12125550100", at + timedelta(minutes=30), customer=acme)  # missed
        if weeks_ago % 2:  # every other week Carol calls back and reaches them
            session(
                entity,
                [carol],
                "+12125550100",
                at + timedelta(minutes=50 + weeks_ago),
                direction="outbound",
                answered_by=carol,
            )
        session(
            entity, [alice], "+13125550177", at + timedelta(hours=1), customer=globex
        )  # missed, never returned
        session(entity, [alice], "+16505550102", at, internal=True)  # internal: never counted
    # another company's calls from the same number count for nobody here
    other = EntityFactory(name="Northwind")
    session(other, [ResourceFactory(entity=other)], "+12125550100", now - timedelta(hours=1))
    return {"acme": acme, "globex": globex, "staff": team, "now": now}


def window_start(now):
    today = now.astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday(), weeks=11)
    return timezone.datetime.combine(monday, timezone.datetime.min.time(), tzinfo=ZONE)


def direct_count(entity, since, customer=None):
    """Outcome per session, counted straight from the rows, the way a person would."""
    sessions = {}
    for call in Call.objects.filter(
        entity=entity, direction="inbound", other_extension_id="", started_at__gte=since
    ):
        if customer is None or call.customer_id == customer.pk:
            sessions.setdefault(call.telephony_session_id, []).append(call)
    answered = sum(any(c.answered_at for c in rows) for rows in sessions.values())
    missed = [rows for rows in sessions.values() if not any(c.answered_at for c in rows)]
    # Called back: someone at the company connected with that number afterwards (calling them,
    # or answering their next call).
    connected = [
        (c.from_number if c.direction == "inbound" else c.to_number, c.answered_at)
        for c in Call.objects.filter(entity=entity, other_extension_id="", answered_at__isnull=False)
    ]
    returned = sum(
        any(number == rows[0].from_number and at >= rows[0].started_at for number, at in connected)
        for rows in missed
    )
    return {
        "answered": answered,
        "returned": returned,
        "not_returned": len(missed) - returned,
        "missed": missed,
    }


def figures_of(html) -> dict:
    soup = BeautifulSoup(html, "html.parser")
    totals = soup.select_one("table.weekly-figures tr.totals")
    return {
        "answered": int(totals.select_one("[data-answered]")["data-answered"]),
        "returned": int(totals.select_one("[data-returned]")["data-returned"]),
        "not_returned": int(totals.select_one("[data-not-returned]")["data-not-returned"]),
        "soup": soup,
    }


def test_the_team_page_figures_equal_a_direct_count(client, entity, history):
    client.force_login(history["staff"][0].user)
    since = window_start(history["now"])
    expected = direct_count(entity, since)
    assert expected["answered"] == 12 and expected["not_returned"] > 0 and expected["returned"] > 0

    page = figures_of(client.get("/calls/insights/").content.decode())

    assert (page["answered"], page["returned"], page["not_returned"]) == (
        expected["answered"],
        expected["returned"],
        expected["not_returned"],
    )
    heat = Counter()
    for rows in expected["missed"]:
        local = rows[0].started_at.astimezone(ZONE)
        heat[(local.strftime("%a"), local.hour)] += 1
    cells = page["soup"].select("svg.heatmap g.cell")
    assert len(cells) == 7 * 24
    shown = {
        (c["data-weekday"], int(c["data-hour"])): int(c["data-count"]) for c in cells if int(c["data-count"])
    }
    assert shown == dict(heat)
    staff = {row.select_one("td").text: row for row in page["soup"].select("table.staff-figures tbody tr")}
    assert staff["Bob"].select_one("[data-answered]")["data-answered"] == "12"
    missed_rows = Counter(c.resource.display_name for rows in expected["missed"] for c in rows)
    assert int(staff["Alice"].select_one("[data-missed]")["data-missed"]) == missed_rows["Alice"]
    for name, resource in (("Bob", history["staff"][1]), ("Carol", history["staff"][2])):
        reached = CallbackItem.objects.filter(
            entity=entity, close_reason="reached", closed_by=resource, first_attempt_at__gte=since
        ).count()
        assert staff[name].select_one("[data-called-back]")["data-called-back"] == str(reached)
        assert reached > 0  # Carol calls back; Bob reaches callers by answering their next call


def test_the_account_tab_counts_that_customer_only(client, entity, history):
    client.force_login(history["staff"][0].user)
    since = window_start(history["now"])
    for customer in (history["acme"], history["globex"]):
        expected = direct_count(entity, since, customer)
        page = figures_of(client.get(f"/customers/{customer.pk}/insights/").content.decode())
        assert (page["answered"], page["returned"], page["not_returned"]) == (
            expected["answered"],
            expected["returned"],
            expected["not_returned"],
        ), customer.name
    globex = client.get(f"/customers/{history['globex'].pk}/insights/").content.decode()
    assert re.search(r'data-figure="median" data-minutes="">—<', globex)  # never called back
    acme = BeautifulSoup(client.get(f"/customers/{history['acme'].pk}/insights/").content, "html.parser")
    waits = [
        (closed - first).total_seconds() / 60
        for closed, first in CallbackItem.objects.filter(
            entity=entity, customer=history["acme"], close_reason="reached", first_attempt_at__gte=since
        ).values_list("closed_at", "first_attempt_at")
    ]
    shown = acme.select_one('[data-figure="median"]')
    assert float(shown["data-minutes"]) == round(statistics.median(waits), 1)
    assert shown.text == span_text(statistics.median(waits))


def test_spans_read_like_a_person_says_them():
    assert [span_text(m) for m in (None, 0.4, 45, 60, 130, 1440, 3000)] == [
        "—",
        "0 min",
        "45 min",
        "1 h",
        "2 h 10 min",
        "1 d",
        "2 d 2 h",
    ]


def test_the_chart_is_readable_without_colour(client, entity, history):
    client.force_login(history["staff"][0].user)
    html = client.get(f"/customers/{history['acme'].pk}/insights/").content.decode()
    soup = BeautifulSoup(html, "html.parser")
    svg = soup.select_one("svg.chart")
    assert svg["role"] == "img" and svg.select_one("title").text.startswith("Calls per week by outcome")
    assert {p["id"].rsplit("-", 1)[-1] for p in svg.select("pattern")} >= {"answered", "returned"}
    assert "Missed, called back (stripes)" in html and "Missed, not called back (dots)" in html
    assert any(t.text.strip().isdigit() for t in svg.select("text.seg-label"))  # numbers on the bars


def test_a_call_dated_past_this_week_is_left_out_not_a_500(client, entity, history):
    # RingCentral's clock ahead of ours, or a synced record from another time zone gone wrong.
    client.force_login(history["staff"][0].user)
    before = figures_of(client.get("/calls/insights/").content.decode())
    ahead = history["now"] + timedelta(days=8)
    session(entity, history["staff"][:1], "+16465550123", ahead, answered_by=history["staff"][0])

    response = client.get("/calls/insights/")

    assert response.status_code == 200
    assert figures_of(response.content.decode())["answered"] == before["answered"]
