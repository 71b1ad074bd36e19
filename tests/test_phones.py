"""Normalization of phone numbers as people type them, in several countries."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from crm.numbers import display, normalize

# (typed, default region, expected E.164, expected extension)
REAL_WORLD = [
    # United States / Canada (NANP)
    ("(212) 555-0100", "US", "+12125550100", ""),
    ("212-555-0100", "US", "+12125550100", ""),
    ("212.555.0100", "US", "+12125550100", ""),
    ("212 555 0100", "US", "+12125550100", ""),
    ("2125550100", "US", "+12125550100", ""),
    ("1-212-555-0100", "US", "+12125550100", ""),
    ("1 (212) 555-0100", "US", "+12125550100", ""),
    ("+1 212 555 0100", "US", "+12125550100", ""),
    ("+1-212-555-0100", "US", "+12125550100", ""),
    ("+12125550100", "US", "+12125550100", ""),
    ("001 212 555 0100", "FR", "+12125550100", ""),
    ("011 1 212 555 0100", "US", "+12125550100", ""),
    ("(212) 555-0100 ext. 23", "US", "+12125550100", "23"),
    ("212-555-0100 x23", "US", "+12125550100", "23"),
    ("212.555.0100 ext 4567", "US", "+12125550100", "4567"),
    ("212 555 0100 #12", "US", "+12125550100", "12"),
    ("+1 212 555 0100 extension 9", "US", "+12125550100", "9"),
    ("  (514)555-0142  ", "CA", "+15145550142", ""),
    ("514 555 0142", "CA", "+15145550142", ""),
    ("+1 (416) 555-0188", "CA", "+14165550188", ""),
    # United Kingdom
    ("020 7946 0958", "GB", "+442079460958", ""),
    ("+44 20 7946 0958", "US", "+442079460958", ""),
    ("0044 20 7946 0958", "US", "+442079460958", ""),
    ("011 44 20 7946 0958", "US", "+442079460958", ""),
    ("+44 (0)20 7946 0958", "US", "+442079460958", ""),
    ("07700 900123", "GB", "+447700900123", ""),
    # France
    ("01 42 68 53 00", "FR", "+33142685300", ""),
    ("01.42.68.53.00", "FR", "+33142685300", ""),
    ("+33 1 42 68 53 00", "US", "+33142685300", ""),
    ("0033 1 42 68 53 00", "US", "+33142685300", ""),
    ("06 12 34 56 78", "FR", "+33612345678", ""),
    # Germany
    ("030 901820", "DE", "+4930901820", ""),
    ("+49 30 901820", "US", "+4930901820", ""),
    ("011 49 30 901820", "US", "+4930901820", ""),
    ("0049 (0)30 901820", "GB", "+4930901820", ""),
    # Australia
    ("(02) 9374 4000", "AU", "+61293744000", ""),
    ("+61 2 9374 4000", "US", "+61293744000", ""),
    ("0011 61 2 9374 4000", "AU", "+61293744000", ""),
    # Mexico, India, Japan
    ("+52 55 5555 1234", "US", "+525555551234", ""),
    ("+91 98765 43210", "US", "+919876543210", ""),
    ("098765 43210", "IN", "+919876543210", ""),
    ("03-1234-5678", "JP", "+81312345678", ""),
    ("+81 3-1234-5678", "US", "+81312345678", ""),
]

GARBAGE = ["", "   ", "hello", "call me", "n/a", "12", "+", "---", "☎☎☎", "1" * 40, "abc-def-ghij"]


@pytest.mark.parametrize(("typed", "region", "e164", "extension"), REAL_WORLD)
def test_it_normalizes_real_world_formats(typed, region, e164, extension):
    result = normalize(typed, region)
    assert (result.e164, result.extension) == (e164, extension)


def test_it_covers_enough_formats_and_countries():
    assert len(REAL_WORLD) >= 40
    assert len({e164[:3] for _, _, e164, _ in REAL_WORLD}) >= 5


@pytest.mark.parametrize("typed", GARBAGE)
def test_it_refuses_garbage_with_a_message_a_person_understands(typed):
    with pytest.raises(ValidationError) as excinfo:
        normalize(typed, "US")
    message = excinfo.value.messages[0]
    assert "is not a phone number we can dial" in message
    assert "area code" in message


def test_it_quotes_what_was_typed_in_the_error():
    with pytest.raises(ValidationError) as excinfo:
        normalize("call me maybe", "US")
    assert "“call me maybe”" in excinfo.value.messages[0]


@given(st.text(max_size=80))
def test_it_never_crashes_on_arbitrary_text(text):
    try:
        result = normalize(text, "US")
    except ValidationError:
        return
    assert result.e164.startswith("+")
    assert result.e164[1:].isdigit()


def test_display_formats_for_people():
    assert display("+12125550100") == "+1 212-555-0100"
    assert display("+442079460958") == "+44 20 7946 0958"
    assert display("not a number") == "not a number"
