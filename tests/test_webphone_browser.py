"""Answer in the browser, end to end: Arcadium's own pages in Chromium with a fake microphone, the
simulator as RingCentral (its far end sends and hears real audio).

Journeys, not steps (each browser minute counts in CI): ring → wizard → Answer in the browser →
audio both ways → Hold silences → Mute stops the outgoing audio → Hang up, with a second tab that
follows and drives the call, then takes the phone over when the first tab closes and registers
again when RingCentral drops its SIP socket; the far end hanging up; click-to-dial from the
browser, with audio both ways while the call's tab is hidden behind another; a sixth registration refused in plain words; a
blocked microphone; the default for a user who never chose.
"""

import os

import pytest
from playwright.sync_api import expect

from crm.models import Resource
from tests import test_wizard_browser
from tests.browser import CHROMIUM_ARGS, js_errors, login, new_page, screenshot
from tests.browser import _watch as watch_errors
from tests.services import require_chromium
from tests.test_wizard_browser import connected_staff
from tests.waiting import wait_for
from tests.webphone_browser import chromium_with_tabs, open_tab_in_front, phone_chromium_args, write_beeps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
office = test_wizard_browser.office  # the fixture: ACME Corp and its contacts, webhooks to the live app

ACME = "+12125550100"
AUDIO_WAIT = 20.0


@pytest.fixture(scope="module")
def playwright_chromium(tmp_path_factory):
    """(playwright, executable, args) for Chromium as a phone: a fake microphone playing 1 kHz
    beeps, WebRTC on loopback, the simulator's self-signed wss:// certificate accepted."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    microphone = write_beeps(tmp_path_factory.mktemp("mic") / "beeps.wav")
    args = [*phone_chromium_args(microphone), "--ignore-certificate-errors"]
    assert set(CHROMIUM_ARGS) <= set(args)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see tests/browser.py
    try:
        with sync_playwright() as playwright:
            yield playwright, executable, args
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_chromium):
    """The module's Chromium (tests/browser.py's fixtures open their pages in it); it grants the
    microphone without asking, as a person would once."""
    playwright, executable, args = playwright_chromium
    chromium = playwright.chromium.launch(executable_path=executable, args=args)
    yield chromium
    chromium.close()


def in_browser(entity, **fields):
    return connected_staff(
        entity,
        "101",
        display_name="Alice Martin-Delacroix",
        answer_on="browser",
        answer_on_chosen=True,
        **fields,
    )


def phone_state(page):
    return page.locator("#webphone-state")


def wizard(page):
    return page.locator(".wizard").first


def badge(page):
    return wizard(page).locator(".state-badge")


def stats(page) -> dict:
    return page.evaluate("() => arcadiumPhone.audioStats()")


def hears_the_far_end(page) -> bool:
    heard = stats(page)
    return heard["bytesReceived"] > 5000 and heard["audioLevel"] > 0.05


def far_end(simulator, tsid: str) -> dict:
    return simulator.control.webphone_media(tsid)


def far_end_hears_beeps(simulator, tsid: str) -> bool:
    heard = far_end(simulator, tsid)
    return heard["packetsReceived"] > 50 and heard["tone1kHz"] > 10 * max(heard["tone700Hz"], 1e-6)


def ring(simulator, page) -> str:
    tsid = simulator.control.place_call(ACME, "101", from_name="ACME Corp")["telephonySessionId"]
    expect(badge(page)).to_have_text("Ringing")
    page.wait_for_function("(id) => arcadiumPhone.calls().includes(id)", arg=tsid)
    return tsid


def party_status(simulator, tsid: str) -> dict:
    return simulator.control.call(tsid)["session"]["parties"][1]


def registrations(simulator) -> list[dict]:
    return [r for r in simulator.control.sip_registrations() if r["connected"]]


def test_answer_in_the_browser_with_audio_hold_mute_hang_up_and_a_second_tab_that_takes_over(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,
):
    alice = in_browser(entity)
    page = logged_in_page(alice.user)
    expect(phone_state(page)).to_have_attribute("data-state", "ready")
    expect(phone_state(page)).to_contain_text("Phone ready")
    screenshot(page, "webphone/header-ready", full_page=False)
    second = page.context.new_page()
    second.goto(live_app.url + "/customers/")
    expect(phone_state(second)).to_contain_text("Phone ready")  # the leader's state, over the channel
    assert second.evaluate("() => arcadiumPhone.role()") == "follower"
    (registration,) = registrations(simulator)  # one phone for the browser, not one per tab

    tsid = ring(simulator, page)
    expect(badge(second)).to_have_text("Ringing")
    page.wait_for_function("() => document.body.dataset.ringing === '1'")  # the wizard's own ringer
    wizard(page).get_by_role("button", name="Answer").click()
    expect(badge(page)).to_have_text("On call")
    expect(badge(second)).to_have_text("On call")
    assert party_status(simulator, tsid)["to"]["deviceId"] == registration["deviceId"]
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "readme/answer-in-browser", full_page=False)  # the README's picture

    wait_for(lambda: hears_the_far_end(page), timeout=AUDIO_WAIT, what="the browser to play the far end")
    wait_for(
        lambda: far_end_hears_beeps(simulator, tsid), timeout=AUDIO_WAIT, what="the far end to hear the mic"
    )
    assert stats(page)["bytesSent"] > 1000

    assert stats(page)["playing"]  # the package's own <audio>, outside the page: no tab hides it

    wizard(second).get_by_role("button", name="Hold").click()  # a follower's button, run by the phone's tab
    expect(badge(page)).to_have_text("On hold")
    expect(badge(second)).to_have_text("On hold")
    wait_for(lambda: stats(page)["audioLevel"] < 0.01, timeout=AUDIO_WAIT, what="silence on hold")
    wizard(page).get_by_role("button", name="Unhold").click()
    expect(badge(second)).to_have_text("On call")
    wait_for(lambda: hears_the_far_end(page), timeout=AUDIO_WAIT, what="the far end back after hold")

    wizard(page).get_by_role("button", name="Mute").click()
    expect(wizard(second).get_by_role("button", name="Unmute")).to_be_visible()  # RingCentral shows it too
    wait_for(lambda: far_end(simulator, tsid)["level"] < 0.001, timeout=AUDIO_WAIT, what="muted")
    wizard(second).get_by_role("button", name="Unmute").click()
    wait_for(lambda: far_end_hears_beeps(simulator, tsid), timeout=AUDIO_WAIT, what="unmuted")

    wizard(page).get_by_role("button", name="Hang up").click()
    wait_for(lambda: not simulator.control.call(tsid)["live"], what="the call to end")
    assert party_status(simulator, tsid)["status"]["code"] == "Disconnected"
    page.wait_for_function("() => arcadiumPhone.calls().length === 0")
    expect(second.locator(".wizard")).to_have_count(0)  # close on hang-up, in every tab

    page.close()  # the phone's tab goes: the other tab takes the phone over, as the same contact
    wait_for(lambda: second.evaluate("() => arcadiumPhone.role()") == "leader", what="the second tab to lead")
    expect(phone_state(second)).to_have_attribute("data-state", "ready")
    (again,) = registrations(simulator)
    assert again["instanceId"] == registration["instanceId"]
    tsid = ring(simulator, second)
    wizard(second).get_by_role("button", name="Answer").click()
    expect(badge(second)).to_have_text("On call")
    wait_for(lambda: hears_the_far_end(second), timeout=AUDIO_WAIT, what="audio in the tab that took over")
    simulator.control.hang_up(tsid)  # the far end hangs up
    second.wait_for_function("() => arcadiumPhone.calls().length === 0")
    expect(wizard(second).locator(".ended")).to_contain_text("Call ended")
    wizard(second).get_by_role("button", name="Close the call wizard").click()

    # RingCentral (or the network) drops the phone's SIP socket: the tab says so, registers again
    # by itself as the same contact, and the next call rings and is answered in the browser.
    assert simulator.control.drop_sip_sockets() == 1
    expect(phone_state(second)).to_contain_text("Phone unavailable")
    expect(second.locator("[data-webphone-help]")).to_contain_text("lost its connection to RingCentral")
    expect(phone_state(second)).to_contain_text("Phone ready")
    (reconnected,) = registrations(simulator)
    assert reconnected["instanceId"] == registration["instanceId"]
    tsid = ring(simulator, second)
    wizard(second).get_by_role("button", name="Answer").click()
    expect(badge(second)).to_have_text("On call")
    assert party_status(simulator, tsid)["to"]["deviceId"] == reconnected["deviceId"]
    wait_for(lambda: hears_the_far_end(second), timeout=AUDIO_WAIT, what="audio after reconnecting")
    simulator.control.hang_up(tsid)
    second.wait_for_function("() => arcadiumPhone.calls().length === 0")
    assert js_errors(second) == []


def test_click_to_dial_places_the_call_from_the_browser_and_audio_flows_while_its_tab_is_hidden(
    live_app, simulator, entity, office, playwright_chromium, tmp_path
):
    alice = in_browser(entity)
    with chromium_with_tabs(*playwright_chromium, tmp_path) as tabs:  # see there why not `browser`
        page = watch_errors(tabs.contexts[0].pages[0])
        page.set_viewport_size({"width": 1280, "height": 800})
        login(page, live_app.url, alice.user.username)
        expect(phone_state(page)).to_have_attribute("data-state", "ready")
        (registration,) = registrations(simulator)
        page.goto(f"{live_app.url}/customers/{office.pk}/")
        page.locator("a.dial-link", has_text="(212) 555-0100").click()
        expect(page.locator("#dial-dialog .dial-question")).to_have_text(
            "Call ACME Corp at (212) 555-0100 from this browser?"
        )
        page.get_by_role("button", name="Call", exact=True).click()
        expect(wizard(page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
        (placed,) = simulator.control.calls(live=True)
        tsid = placed["telephonySessionId"]
        assert placed["session"]["parties"][0]["from"]["deviceId"] == registration["deviceId"]
        page.wait_for_function("(id) => arcadiumPhone.calls().includes(id)", arg=tsid)  # picked up by itself
        simulator.control.answer_call(tsid)  # the customer answers
        expect(badge(page)).to_have_text("On call")
        wait_for(
            lambda: far_end_hears_beeps(simulator, tsid), timeout=AUDIO_WAIT, what="the customer to hear us"
        )
        wait_for(lambda: hears_the_far_end(page), timeout=AUDIO_WAIT, what="us to hear the customer")

        # The person switches to another tab: the call's tab is hidden, and the call goes on.
        page.evaluate(
            "() => { window.visibilityChanges = []; document.addEventListener('visibilitychange', "
            "() => visibilityChanges.push(document.visibilityState)); }"
        )
        other = open_tab_in_front(tabs, f"{live_app.url}/customers/")
        assert page.evaluate("() => document.visibilityState") == "hidden"
        heard, said = stats(page), far_end(simulator, tsid)
        wait_for(
            lambda: stats(page)["bytesReceived"] > heard["bytesReceived"] + 16000 and hears_the_far_end(page),
            timeout=AUDIO_WAIT,
            what="the hidden tab to keep playing the customer",
        )
        wait_for(
            lambda: (
                far_end(simulator, tsid)["packetsReceived"] > said["packetsReceived"] + 100
                and far_end_hears_beeps(simulator, tsid)
            ),
            timeout=AUDIO_WAIT,
            what="the customer to keep hearing the hidden tab",
        )
        assert stats(page)["playing"]
        assert page.evaluate("() => [document.visibilityState, visibilityChanges]") == ["hidden", ["hidden"]]
        expect(phone_state(other)).to_contain_text("Phone ready")  # the tab in front follows the phone

        page.bring_to_front()
        wizard(page).get_by_role("button", name="Hang up").click()
        wait_for(lambda: not simulator.control.call(tsid)["live"], what="the call to end")
        assert js_errors(page) == []


def test_a_sixth_phone_is_refused_in_plain_words(live_app, logged_in_page, simulator, entity, office):
    from tests.sip_phone import SipPhone

    alice = in_browser(entity)
    info = (
        simulator.sdk_platform("101")
        .post("/restapi/v1.0/client-info/sip-provision", {"sipInfo": [{"transport": "WSS"}]})
        .json_dict()["sipInfo"][0]
    )
    others = [
        SipPhone(info, instance_id=f"desk-app-{n}", url=f"ws://127.0.0.1:{simulator.port}/") for n in range(5)
    ]
    try:
        assert all(phone.register().status == 200 for phone in others)
        page = logged_in_page(alice.user)
        page.set_viewport_size({"width": 1366, "height": 768})
        expect(phone_state(page)).to_have_attribute("data-state", "refused")
        expect(phone_state(page)).to_contain_text("Phone refused")
        expect(page.locator("[data-webphone-help]")).to_have_text(
            "Calls cannot ring in this browser: RingCentral allows 5 phones per user and yours already "
            "has 5 connected (the RingCentral app, "
            "other browsers or computers). Close one of them, or wait a minute for an old one to expire: "
            "this browser tries again every 30 seconds."
        )
        screenshot(page, "webphone/header-refused-1366", full_page=False)
        page.set_viewport_size({"width": 1024, "height": 640})
        screenshot(page, "webphone/header-refused-1024", full_page=False)
    finally:
        for phone in others:
            phone.close()


def test_a_blocked_microphone_says_how_to_allow_it_the_offer_asks_and_settings_show_devices(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,
    playwright_chromium,
):
    alice = in_browser(entity)
    page = logged_in_page(alice.user)
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(phone_state(page)).to_have_attribute("data-state", "ready")
    page.locator("#phone-icon .phone-button").click()
    panel = page.locator("#phone-panel")
    expect(panel.get_by_role("radio", name="Answer in browser")).to_be_checked()
    expect(panel.get_by_label("Microphone")).to_contain_text("Fake")  # Chromium's fake devices, by name
    page.wait_for_function(
        "() => parseFloat(document.querySelector('[data-webphone-level]').dataset.level || '0') > 0.01"
    )  # the meter moves with the beeps
    panel.locator(".webphone-devices").scroll_into_view_if_needed()
    screenshot(page, "webphone/settings-1366", full_page=False)
    page.set_viewport_size({"width": 1024, "height": 640})
    panel.locator(".webphone-devices").scroll_into_view_if_needed()
    screenshot(page, "webphone/settings-1024", full_page=False)

    # Without Chromium's fake permission prompt, a headless browser refuses the microphone.
    playwright, executable, args = playwright_chromium
    refusing = playwright.chromium.launch(
        executable_path=executable, args=[a for a in args if a != "--use-fake-ui-for-media-stream"]
    )
    contexts: list = []
    try:
        blocked = new_page(refusing, contexts)
        login(blocked, live_app.url, alice.user.username)
        expect(phone_state(blocked)).to_have_attribute("data-state", "blocked")
        blocked_checks(blocked)

        # Someone who never picked an answering mode is offered the browser; the browser asks.
        bob = connected_staff(entity, "102", display_name="Robert Fitzgerald-Okonkwo", answer_on="pc")
        offered = new_page(refusing, contexts)
        login(offered, live_app.url, bob.user.username)
        offered.set_viewport_size({"width": 1366, "height": 768})
        offer = offered.get_by_role("button", name="Answer in browser")
        expect(offer).to_be_visible()
        screenshot(offered, "webphone/header-offer-1366", full_page=False)
        offered.context.grant_permissions(["microphone"], origin=live_app.url)  # as the person would
        offer.click()
        expect(phone_state(offered)).to_have_attribute("data-state", "ready")
        bob.refresh_from_db()
        assert (bob.answer_on, bob.answer_on_chosen) == (Resource.AnswerOn.BROWSER, False)
    finally:
        for context in contexts:
            context.close()
        refusing.close()


def blocked_checks(blocked) -> None:
    expect(blocked.locator("[data-webphone-help]")).to_contain_text("set Microphone to Allow, then reload")
    blocked.set_viewport_size({"width": 1366, "height": 768})
    screenshot(blocked, "webphone/header-blocked-1366", full_page=False)
    blocked.set_viewport_size({"width": 1024, "height": 640})
    screenshot(blocked, "webphone/header-blocked-1024", full_page=False)


def test_a_user_who_never_chose_answers_in_the_browser_once_it_has_the_microphone(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin-Delacroix", answer_on="pc")
    page = logged_in_page(alice.user)  # this Chromium has granted the microphone
    expect(phone_state(page)).to_have_attribute("data-state", "ready")
    alice.refresh_from_db()
    assert (alice.answer_on, alice.answer_on_chosen) == (Resource.AnswerOn.BROWSER, False)
    page.set_viewport_size({"width": 1024, "height": 640})
    screenshot(page, "webphone/header-ready-1024", full_page=False)
