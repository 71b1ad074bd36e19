"""Call notes shared live between a user's tabs (issue 14 §8), in real Chromium: what one tab saves
appears in the other at once, an edit of older text is a visible conflict the person resolves, and
the length limit is stated beside the box and enforced as they type."""

import pytest
from playwright.sync_api import expect

from callreports.models import CallNote
from tests.browser import js_errors, screenshot
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def notes(page):
    return page.locator(".wizard textarea[data-note-text]")


def state(page):
    return page.locator(".wizard .note-state")


@pytest.fixture
def two_tabs(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    alice = connected_staff(entity, "101", display_name="Alice Martin", ringer_on=False)
    first = logged_in_page(alice.user)
    expect(first.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    second = first.context.new_page()
    second.goto(live_app.url + "/customers/")
    expect(second.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    first.wait_for_timeout(300)  # both sockets open
    simulator.control.place_call("+12125550100", "101")
    for tab in (first, second):
        expect(tab.locator(".wizard")).to_have_count(1)
    return first, second


def test_what_one_tab_saves_appears_in_the_other_at_once(two_tabs):
    first, second = two_tabs
    notes(first).fill("Asked about the March invoice.")
    expect(state(first)).to_contain_text("Saved")
    expect(notes(second)).to_have_value("Asked about the March invoice.")
    expect(state(second)).to_contain_text("Saved")

    notes(second).fill("Asked about the March invoice. Will call back on Friday.")
    expect(notes(first)).to_have_value("Asked about the March invoice. Will call back on Friday.")
    assert CallNote.objects.get().version == 2
    assert js_errors(first) == [] and js_errors(second) == []


def test_an_edit_of_older_text_shows_both_and_the_person_chooses(two_tabs):
    first, second = two_tabs
    notes(first).fill("Start")
    expect(notes(second)).to_have_value("Start")
    # Both tabs edit version 1 before either save lands: one save wins, the other is refused.
    notes(first).fill("Version from the first tab")
    notes(second).fill("Version from the second tab")
    loser = None
    for _ in range(100):  # whichever save lands second meets the conflict
        shown = [tab for tab in (first, second) if tab.locator("[data-note-conflict]").count()]
        if shown:
            loser = shown[0]
            break
        first.wait_for_timeout(100)
    assert loser is not None, "neither tab shows the conflict"
    winner = second if loser is first else first
    theirs, mine = notes(winner).input_value(), notes(loser).input_value()
    expect(loser.locator(".note-theirs")).to_have_text(theirs)
    expect(notes(loser)).to_have_value(mine)  # nothing typed is lost
    assert CallNote.objects.get().text == theirs  # and nothing was overwritten silently
    screenshot(loser, "notes/conflict", full_page=False)

    loser.get_by_role("button", name="Keep mine").click()
    expect(state(loser)).to_contain_text("Saved")
    expect(notes(winner)).to_have_value(mine)
    assert CallNote.objects.get().text == mine


def test_the_limit_is_stated_beside_the_box_and_enforced_as_you_type(two_tabs):
    first, _ = two_tabs
    box = notes(first)
    expect(first.locator(".wizard .note-count")).to_have_text("0 / 10,000 characters")
    assert box.get_attribute("maxlength") == "10000"
    box.fill("x" * 9_998)
    box.press("End")
    box.press_sequentially("yyyy")  # typing stops at the limit
    expect(box).to_have_value("x" * 9_998 + "yy")
    expect(first.locator(".wizard .note-count")).to_have_text("10,000 / 10,000 characters (limit reached)")
    expect(state(first)).to_contain_text("Saved")
    assert len(CallNote.objects.get().text) == 10_000
