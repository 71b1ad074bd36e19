"""Reverse lookup of unknown callers: offline data, the HTTP caller-name provider (against a local
fake server, never the internet), caching, retries, and the fragment pushed into the wizard."""

import asyncio
import base64
import logging

import phonenumbers
import phonenumbers.carrier
import pytest
from asgiref.sync import async_to_sync
from bs4 import BeautifulSoup
from channels.layers import get_channel_layer
from django.core.cache import cache
from phonenumbers import geocoder

from telephony.live.push import user_group
from telephony.models import Call
from telephony.wizard import composer, reverse_lookup
from telephony.wizard.tasks import reverse_lookup_task
from tests import fake_lookup_server as fls
from tests.factories import CustomerFactory, EntityFactory, PhoneNumberFactory

MONTREAL = "+15142230142"  # 514-223: "Montreal, QC" in phonenumbers' geocoding data
TOLL_FREE = "+18002345678"  # no place and no carrier in the offline data
SECRET = "lookup-secret-token-do-not-log"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake(settings):
    with fls.FakeLookupServer() as server:
        settings.REVERSE_LOOKUP_URL = server.url
        settings.REVERSE_LOOKUP_ACCOUNT = "AC-test"
        settings.REVERSE_LOOKUP_TOKEN = SECRET
        settings.REVERSE_LOOKUP_NAME = "Caller ID service"
        settings.REVERSE_LOOKUP_TIMEOUT_SECONDS = 1
        settings.REVERSE_LOOKUP_MAX_BYTES = 16 * 1024
        settings.REVERSE_LOOKUP_MAX_RETRIES = 2
        yield server


@pytest.fixture
def no_http_provider(settings):
    settings.REVERSE_LOOKUP_URL = ""


def make_call(resource, number: str, **kwargs) -> Call:
    return Call.objects.create(
        entity=resource.entity, resource=resource, direction="inbound", from_number=number, **kwargs
    )


@pytest.fixture
def socket(resource, in_memory_channel_layer):
    """The channel-layer side of the resource's user's browser tab: `socket()` → next pushed HTML."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(resource.user_id), channel)

    async def receive(timeout: float):
        return await asyncio.wait_for(layer.receive(channel), timeout)

    def next_html(timeout: float = 2.0) -> str:
        return async_to_sync(receive)(timeout)["html"]

    def nothing() -> bool:
        try:
            async_to_sync(receive)(0.2)
        except TimeoutError:
            return True
        return False

    next_html.nothing = nothing
    yield next_html
    async_to_sync(layer.group_discard)(user_group(resource.user_id), channel)


def run_task(call_id: int, capture) -> str | None:
    # The task function itself; its retries are queued messages, which tests run in-process
    # (CELERY_TASK_ALWAYS_EAGER). Pushes leave only after commit, hence the capture.
    with capture(execute=True):
        return reverse_lookup_task(call_id)


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


# Offline provider -------------------------------------------------------------------------------


def test_it_describes_a_montreal_number_from_the_offline_data(entity, no_http_provider):
    expected_place = geocoder.description_for_number(phonenumbers.parse(MONTREAL), "en")
    assert "Montreal" in expected_place

    outcome = reverse_lookup.lookup_caller(entity_id=entity.pk, number="(514) 223-0142")

    assert outcome.status == "found"
    assert outcome.number == MONTREAL
    assert outcome.sources == ["phone number data"]
    (result,) = outcome.results
    assert result.location == expected_place
    assert result.line_type == "Landline or mobile"  # NANP numbers do not tell mobile from fixed
    assert result.time_zones == ("America/Toronto",)


def test_a_mobile_number_says_mobile_and_names_its_carrier(no_http_provider):
    number = "+33612345678"
    parsed = phonenumbers.parse(number)
    assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE

    result = reverse_lookup.OfflineProvider().lookup(number)

    assert result.line_type == "Mobile"
    assert result.location == geocoder.description_for_number(parsed, "en")
    assert result.carrier == phonenumbers.carrier.name_for_number(parsed, "en") != ""
    assert result.summary == f"Mobile · {result.location} · carrier {result.carrier}"


def test_unknown_caller_task_pushes_the_offline_information(
    resource, no_http_provider, socket, django_capture_on_commit_callbacks
):
    call = make_call(resource, MONTREAL)

    result = run_task(call.pk, django_capture_on_commit_callbacks)

    assert result == "found"
    html = socket()
    section = BeautifulSoup(html, "html.parser").find(id=f"call-{call.pk}-lookup")
    assert section is not None and section.get("hx-swap-oob") == "true"
    text = text_of(html)
    assert "Caller information from reverse lookup (phone number data)" in text
    assert "Montreal" in text and "QC" in text
    assert section.find("form", attrs={"action": "/crm/create-from-caller/"}) is not None


# HTTP provider against the local fake ------------------------------------------------------------


def test_the_caller_name_from_the_http_provider_is_shown(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    fake.script(MONTREAL, fls.found(name="Jane Smith", line_type="mobile", carrier="Videotron"))
    call = make_call(resource, MONTREAL)

    run_task(call.pk, django_capture_on_commit_callbacks)

    text = text_of(socket())
    assert "Caller information from reverse lookup (Caller ID service, phone number data)" in text
    assert "Jane Smith" in text
    assert "Mobile · carrier Videotron" in text
    (request,) = fake.requests
    assert request.path == f"/v2/PhoneNumbers/{MONTREAL}"
    assert request.query == {"Fields": ["caller_name,line_type_intelligence"]}
    assert request.authorization == "Basic " + base64.b64encode(f"AC-test:{SECRET}".encode()).decode()


def test_the_create_form_is_prefilled_with_the_name_found(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    fake.script(MONTREAL, fls.found(name="Jane Smith", line_type="mobile"))
    call = make_call(resource, MONTREAL)

    run_task(call.pk, django_capture_on_commit_callbacks)

    soup = BeautifulSoup(socket(), "html.parser")
    assert soup.find("input", attrs={"name": "first_name"})["value"] == "Jane"
    assert soup.find("input", attrs={"name": "last_name"})["value"] == "Smith"
    assert soup.find("input", attrs={"name": "number"})["value"] == MONTREAL
    assert soup.find("select", attrs={"name": "label"}).find("option", selected=True)["value"] == "mobile"


def test_no_data_anywhere_says_no_information_found(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    fake.script(TOLL_FREE, fls.empty())
    call = make_call(resource, TOLL_FREE)

    assert run_task(call.pk, django_capture_on_commit_callbacks) == "nothing"

    html = socket()
    assert "No information found for this number" in text_of(html)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("button", string="Create and match this call") is not None
    assert len(fake.requests) == 1


def test_a_provider_failing_is_retried_then_says_lookup_unavailable(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    fake.script(TOLL_FREE, fls.status(503))
    call = make_call(resource, TOLL_FREE)

    run_task(call.pk, django_capture_on_commit_callbacks)

    assert len(fake.requests) == 3  # the first try and REVERSE_LOOKUP_MAX_RETRIES=2 retries
    pushes = [text_of(socket()) for _ in range(3)]
    assert all("Reverse lookup unavailable" in text for text in pushes)
    assert "trying again" in pushes[0] and "trying again" in pushes[1]
    assert "trying again" not in pushes[2]
    assert socket.nothing()


def test_a_provider_that_recovers_on_retry_gives_its_answer(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    fake.script(MONTREAL, fls.status(500), fls.found(name="Luc Tremblay"))
    call = make_call(resource, MONTREAL)

    run_task(call.pk, django_capture_on_commit_callbacks)

    first, last = text_of(socket()), text_of(socket())
    assert "Montreal" in first and "did not answer; trying again" in first
    assert "Luc Tremblay" in last and "trying again" not in last
    assert len(fake.requests) == 2


def test_a_failed_provider_keeps_the_offline_data_and_is_not_cached(entity, fake):
    fake.script(MONTREAL, fls.status(500))

    outcome = reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)

    assert outcome.status == "found" and outcome.failed == ("Caller ID service",) and outcome.retryable
    reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)
    assert len(fake.requests) == 2


def test_a_slow_provider_times_out_as_unavailable(
    resource, fake, settings, socket, django_capture_on_commit_callbacks
):
    settings.REVERSE_LOOKUP_TIMEOUT_SECONDS = 0.3
    settings.REVERSE_LOOKUP_MAX_RETRIES = 0
    fake.script(TOLL_FREE, fls.slow(3))
    call = make_call(resource, TOLL_FREE)

    assert run_task(call.pk, django_capture_on_commit_callbacks) == "unavailable"
    assert "Reverse lookup unavailable" in text_of(socket())


@pytest.mark.parametrize(
    "behaviour",
    [fls.huge(), fls.huge(declare_length=False), fls.malformed(), fls.wrong_shape(), fls.status(401)],
    ids=["huge", "huge-streamed", "malformed", "wrong-shape", "refused"],
)
def test_bad_answers_are_rejected_without_retrying(
    resource, fake, behaviour, socket, django_capture_on_commit_callbacks
):
    fake.script(MONTREAL, behaviour)
    call = make_call(resource, MONTREAL)

    assert run_task(call.pk, django_capture_on_commit_callbacks) == "found"

    assert len(fake.requests) == 1  # not worth asking again
    text = text_of(socket())
    assert "Caller information from reverse lookup (phone number data)" in text
    assert "Caller ID service was unavailable (lookup unavailable)" in text
    assert "AAAA" not in text


def test_the_token_never_reaches_the_logs(entity, fake, caplog):
    fake.script(MONTREAL, fls.status(500))
    with caplog.at_level(logging.DEBUG):
        reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)
    assert "Caller ID service answered HTTP 500" in caplog.text
    assert SECRET not in caplog.text


# Cache -------------------------------------------------------------------------------------------


def test_a_cache_hit_makes_no_provider_call(entity, fake):
    fake.script(MONTREAL, fls.found(name="Jane Smith"))

    first = reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)
    second = reverse_lookup.lookup_caller(entity_id=entity.pk, number="514 223 0142")

    assert len(fake.requests) == 1
    assert not first.cached and second.cached
    assert second.caller_name == "Jane Smith" and second.results == first.results


def test_the_cache_is_per_entity(entity, fake):
    other = EntityFactory(default_region="US")
    fake.script(MONTREAL, fls.found())

    reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)
    reverse_lookup.lookup_caller(entity_id=other.pk, number=MONTREAL)

    assert len(fake.requests) == 2


def test_misses_are_kept_for_the_shorter_time(entity, fake, settings):
    settings.REVERSE_LOOKUP_MISS_TTL = 0  # Django: expire at once
    fake.script(TOLL_FREE, fls.empty())
    fake.script(MONTREAL, fls.found())

    for _ in range(2):
        reverse_lookup.lookup_caller(entity_id=entity.pk, number=TOLL_FREE)
        reverse_lookup.lookup_caller(entity_id=entity.pk, number=MONTREAL)

    assert [r.number for r in fake.requests].count(TOLL_FREE) == 2
    assert [r.number for r in fake.requests].count(MONTREAL) == 1


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["", "anonymous", "12345", "../../admin", "+1 212 555 0100 OR 1=1", "+999123456789", "x" * 500]
)
def test_a_number_that_is_not_a_phone_number_never_reaches_the_provider(entity, fake, number):
    outcome = reverse_lookup.lookup_caller(entity_id=entity.pk, number=number)

    assert outcome.status == "nothing"
    assert fake.requests == []


def test_the_http_provider_refuses_anything_but_e164(fake):
    provider = reverse_lookup.providers()[0]
    for number in ["2125550100", "+1212555010", "+12125550100/../x", "+12125550100?x=1"]:
        with pytest.raises(ValueError):
            provider.lookup(number)
    assert fake.requests == []


def test_a_garbage_caller_gets_no_information_found(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    call = make_call(resource, "anonymous")

    assert run_task(call.pk, django_capture_on_commit_callbacks) == "nothing"

    assert "No information found for this number" in text_of(socket())
    assert fake.requests == []


# Task discipline ---------------------------------------------------------------------------------


def test_the_task_is_idempotent(resource, fake, socket, django_capture_on_commit_callbacks):
    fake.script(MONTREAL, fls.found(name="Jane Smith"))
    call = make_call(resource, MONTREAL)

    run_task(call.pk, django_capture_on_commit_callbacks)
    run_task(call.pk, django_capture_on_commit_callbacks)

    assert socket() == socket()
    assert len(fake.requests) == 1


def test_a_call_matched_meanwhile_or_gone_is_left_alone(
    resource, fake, socket, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(entity=resource.entity)
    PhoneNumberFactory(customer=customer, raw=MONTREAL)
    call = make_call(resource, MONTREAL, customer=customer)

    assert run_task(call.pk, django_capture_on_commit_callbacks) is None
    assert run_task(call.pk + 1000, django_capture_on_commit_callbacks) is None

    assert socket.nothing()
    assert fake.requests == []


def test_the_push_goes_out_only_after_commit(
    resource, no_http_provider, socket, django_capture_on_commit_callbacks
):
    call = make_call(resource, MONTREAL)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reverse_lookup_task(call.pk)

    assert socket.nothing()
    assert len(callbacks) == 1
    callbacks[0]()
    assert f'id="call-{call.pk}-lookup"' in socket()


def test_delay_on_commit_works_as_the_wizard_will_use_it(
    resource, no_http_provider, socket, django_capture_on_commit_callbacks
):
    from django.db import transaction

    call = make_call(resource, MONTREAL)
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: reverse_lookup_task.delay(call.pk))

    assert "Montreal" in text_of(socket())


def test_a_reopened_wizard_gets_the_cached_answer_without_asking_again(
    resource, fake, django_capture_on_commit_callbacks
):
    from django.template.loader import render_to_string

    fake.script(MONTREAL, fls.found(name="Jane Smith"))
    call = make_call(resource, MONTREAL)
    pending = composer.lookup_region_context(call)
    assert pending["lookup"] is None and "caller_form" not in pending

    run_task(call.pk, django_capture_on_commit_callbacks)
    context = composer.lookup_region_context(call)
    html = render_to_string("telephony/_lookup.html", context)

    assert context["lookup"].cached and context["lookup"].caller_name == "Jane Smith"
    assert "Jane Smith" in text_of(html) and "hx-swap-oob" not in html
    assert BeautifulSoup(html, "html.parser").find("input", attrs={"name": "first_name"})["value"] == "Jane"
    assert len(fake.requests) == 1
