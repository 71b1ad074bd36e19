"""The demo's call history: every seeded call-log record is its own call (telephony session), and
`manage.py connect_demo` gives the demo accounts a month of calls — inbound, outbound, missed,
voicemail (with its message), recorded — matched to the customers and contacts they came from."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.demo import seed_demo
from crm.models import Contact, Customer, Entity
from telephony.management.commands.connect_demo import HISTORY_DAYS, demo_callers, plan_history
from telephony.models import Call
from tests.sim_voice_support import login


def test_records_written_in_the_same_second_are_distinct_calls(simulator):
    made = [
        simulator.control.add_call_log_record(
            extension="101",
            direction="Inbound",
            from_number=f"+1514555{n:04d}",
            to_number="+16505550101",
            start_time=(timezone.now() - timedelta(hours=1)).isoformat(),
            duration=30,
            result="Accepted",
        )
        for n in range(12)
    ]
    records = (
        login(simulator, "100")
        .get("/restapi/v1.0/account/~/call-log", {"perPage": 100})
        .json_dict()["records"]
    )

    assert len({r["telephonySessionId"] for r in records}) == len({r["sessionId"] for r in records}) == 12
    assert {r["telephonySessionId"] for r in records} == {m["telephonySessionId"] for m in made}


@pytest.mark.django_db
def test_the_plan_is_a_realistic_month_in_office_hours():
    seed_demo()
    demo = Entity.objects.get(name="Arcadium Demo")
    now = timezone.now()
    records = plan_history(demo_callers(demo), now=now, rng=random.Random(7))
    results = Counter(r["result"] for r in records)

    assert len(records) >= 60
    assert {"Accepted", "Missed", "Voicemail", "Call connected", "No Answer"} <= set(results)
    assert any(r["recorded"] for r in records)
    assert all(r["voicemail"] == (r["result"] == "Voicemail") for r in records)
    starts = [timezone.datetime.fromisoformat(r["start_time"]) for r in records]
    assert all(now - timedelta(days=HISTORY_DAYS + 1) < s < now for s in starts)
    assert all(s.weekday() < 5 and 9 <= s.hour <= 17 for s in starts)


@pytest.mark.django_db
def test_connect_demo_shows_a_month_of_matched_calls(simulator_settings, capsys):
    simulator = simulator_settings
    call_command("seed_demo")
    call_command("connect_demo")
    out = capsys.readouterr().out
    demo = Entity.objects.get(name="Arcadium Demo")
    calls = Call.objects.filter(entity=demo)
    seeded = simulator.control.call_log_count()
    acme = Customer.objects.get(entity=demo, name="ACME Corp")
    jane = Contact.objects.get(customer=acme, first_name="Jane")

    assert seeded >= 60 and calls.count() == seeded
    assert calls.values("telephony_session_id").distinct().count() == seeded
    assert f"{seeded} new" in out
    results = Counter(calls.values_list("result", flat=True))
    voicemails = simulator.control.messages()
    assert results["Voicemail"] == len(voicemails) > 0
    assert all(len(m["callLogIds"]) == 1 for m in voicemails)
    assert results["Missed"] and results["Accepted"] and results["Call connected"]
    assert calls.exclude(recording_id="").exists()
    assert calls.filter(customer=acme, contact=None).count() >= 3
    assert calls.filter(contact=jane).count() >= 3
    strangers = calls.filter(customer=None)
    assert set(strangers.values_list("from_number", flat=True)) | set(
        strangers.values_list("to_number", flat=True)
    ) >= {"+18085550177"}
    assert calls.filter(customer__isnull=False).count() >= seeded - 2


def test_generated_history_has_one_session_per_record_and_voicemail_in_the_mailboxes(simulator):
    simulator.control.generate_call_log(300, days=2, extensions=["101"], seed=11)
    admin = login(simulator, "100")
    records = admin.get(
        "/restapi/v1.0/account/~/call-log", {"perPage": 1000, "dateFrom": "2000-01-01T00:00:00Z"}
    ).json_dict()["records"]
    voicemail = [r for r in records if r["result"] == "Voicemail"]
    mailbox = admin.get(
        "/restapi/v1.0/account/~/extension/62264001/message-store",
        {"messageType": "VoiceMail", "dateFrom": "2000-01-01T00:00:00Z", "perPage": 1000},
    ).json_dict()["records"]

    assert len(records) == len({r["telephonySessionId"] for r in records}) == 300
    assert voicemail and all("message" in r for r in voicemail)
    assert {str(m["id"]) for m in mailbox} == {r["message"]["id"] for r in voicemail}
    assert not any("message" in r for r in records if r["result"] != "Voicemail")
