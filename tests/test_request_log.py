"""Quiet logs: one line per request, none for static files, no traceback for an expected refusal."""

import logging

import pytest

from arcadium.request_log import DropExpectedRefusals

pytestmark = pytest.mark.django_db


def lines(caplog, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_a_page_is_one_line(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/login/")

    assert [r.getMessage().rsplit(" ", 2)[0] for r in lines(caplog, "arcadium.request")] == [
        "GET /login/ 200"
    ]


def test_a_static_file_is_not_logged(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/static/css/arcadium.css")

    assert response.status_code == 200
    assert lines(caplog, "arcadium.request") == []


def test_a_refusal_is_one_line_without_a_traceback(staff_client, caplog):
    with caplog.at_level(logging.INFO):
        response = staff_client.get("/telephony/connector/")  # not a connector administrator

    assert response.status_code == 403
    assert [r.getMessage().rsplit(" ", 2)[0] for r in lines(caplog, "arcadium.request")] == [
        "GET /telephony/connector/ 403"
    ]
    refusals = lines(caplog, "django.request")
    assert refusals and refusals[0].exc_info  # Django attaches the traceback…
    assert not any(DropExpectedRefusals().filter(r) for r in refusals)  # …our console drops it


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, None)
    record.status_code = 500
    assert DropExpectedRefusals().filter(record)


def test_the_console_handler_carries_the_filter():
    from django.conf import settings

    assert "expected_refusals" in settings.LOGGING["handlers"]["console"]["filters"]
    assert settings.LOGGING["loggers"]["django"]["handlers"] == ["console"]
