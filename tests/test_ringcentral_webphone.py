"""`ringcentral.sip_provision`: the browser phone's SIP credentials through our client, against the simulator."""

import logging

import pytest

from telephony import ringcentral
from tests.ringcentral_helpers import authorize_resource, make_connector


@pytest.fixture
def rc(simulator, db):
    token = authorize_resource(make_connector(simulator), username="101")
    return ringcentral.session_for(token.resource)


def test_it_returns_what_the_browser_needs_and_keeps_the_device(rc, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    info = ringcentral.sip_provision(rc)
    assert info.device_type == "WebPhone" and info.device_id
    browser = info.browser_sip_info()
    assert set(browser) == {
        "username",
        "password",
        "authorizationId",
        "domain",
        "outboundProxy",
        "outboundProxyBackup",
        "transport",
        "stunServers",
    }
    assert browser["domain"] == "sip.ringcentral.com" and browser["transport"] == "WSS"
    assert browser["outboundProxy"].startswith("127.0.0.1:") and browser["stunServers"] == []
    assert info.polling_interval and info.polling_interval > 0
    again = ringcentral.sip_provision(rc, device_id=info.device_id)
    assert (again.device_id, again.password) == (info.device_id, info.password)
    assert info.password not in repr(info) and info.password not in caplog.text
    devices = ringcentral.list_devices(rc)
    assert [d.type for d in devices if d.id == info.device_id] == ["WebPhone"]


def test_errors_come_back_as_the_modules_exceptions(rc, simulator):
    with pytest.raises(ringcentral.InvalidRequest) as refused:
        ringcentral.sip_provision(rc, device_id="999")
    assert refused.value.status == 400 and refused.value.error_code == "CMN-101"
    simulator.control.set_limits(enabled=True, Heavy=1)
    ringcentral.sip_provision(rc)
    with pytest.raises(ringcentral.RateLimited):
        ringcentral.sip_provision(rc)


def test_an_app_without_voip_calling_is_refused(simulator, db):
    simulator.control.register_app("no-voip", client_secret="no-voip-secret", permissions="ReadAccounts")
    connector = make_connector(simulator, client_id="no-voip", client_secret="no-voip-secret")
    rc = ringcentral.session_for(authorize_resource(connector, username="101").resource)
    with pytest.raises(ringcentral.InvalidRequest) as refused:
        ringcentral.sip_provision(rc)
    assert refused.value.status == 403 and refused.value.error_code == "CMN-401"
