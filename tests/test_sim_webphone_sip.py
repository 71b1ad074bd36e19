"""The simulator's web-phone side, spoken to as `ringcentral-web-phone` 2.5.4 speaks (tests/sip_phone.py):
sip-provision, registration, ringing every registered phone, answer, CANCEL, BYE, hold, outbound."""

import pytest

from telephony.simulator.webphone import rcmessage
from tests.sip_phone import SipPhone, tag_of
from tests.waiting import wait_for

CALLER = "+12125550100"
PROVISION = "/restapi/v1.0/client-info/sip-provision"


def provision(platform, **body) -> dict:
    return platform.post(PROVISION, {"sipInfo": [{"transport": "WSS"}], **body}).json_dict()


@pytest.fixture
def alice(simulator):
    return simulator.sdk_platform("101")


@pytest.fixture
def phones(simulator):
    """Phones on the simulator's plain `ws://` port (the same SIP socket as its `wss://` one, which
    the register test and the Chromium tests use): several TLS handshakes at once sometimes stall
    in daphne's TLS endpoint, and a browser opens one socket per tab anyway."""
    opened: list[SipPhone] = []

    def open_phone(sip_info: dict, instance_id: str | None = None, *, tls: bool = False) -> SipPhone:
        url = "" if tls else f"ws://127.0.0.1:{simulator.port}/"
        phone = SipPhone(sip_info, instance_id=instance_id, url=url)
        opened.append(phone)
        return phone

    yield open_phone
    for phone in opened:
        phone.close()


def registered(phones, sip_info, instance_id) -> SipPhone:
    phone = phones(sip_info, instance_id)
    assert phone.register().status == 200
    return phone


def incoming(phone: SipPhone) -> "SipMessage":  # noqa: F821
    invite = phone.wait_for(lambda m: m.is_request and m.method == "INVITE")
    phone.ring(invite)
    return invite


def answer(phone: SipPhone, invite) -> None:
    """Answer as the SDK does and take the server's ACK and MESSAGE Cmd 7 (AlreadyProcessed)."""
    phone.answer(invite)
    phone.wait_for(lambda m: m.is_request and m.method == "MESSAGE")


def user_party(simulator, tsid: str) -> dict:
    return simulator.control.call(tsid)["session"]["parties"][1]


def test_sip_provision_gives_a_webphone_device_and_wss_credentials(simulator, alice):
    body = provision(alice)
    device, info = body["device"], body["sipInfo"][0]
    assert device["type"] == "WebPhone" and device["extension"]["extensionNumber"] == "101"
    assert info["domain"] == "sip.ringcentral.com" and info["transport"] == "WSS"
    assert info["username"] == "16505550101*101" and info["password"] and info["authorizationId"].isdigit()
    assert info["outboundProxy"].startswith("127.0.0.1:") and info["stunServers"] == []
    assert body["sipFlags"]["voipFeatureEnabled"] is True and body["pollingInterval"] > 0
    # The same client gets the same device back, by itself or when it names it.
    assert provision(alice)["device"]["id"] == device["id"]
    assert provision(alice, device={"id": device["id"]})["sipInfo"][0]["password"] == info["password"]
    devices = alice.get("/restapi/v1.0/account/~/extension/~/device").json_dict()["records"]
    assert device["id"] in {d["id"] for d in devices}


def test_sip_provision_is_heavy_and_refuses_other_transports(simulator, alice):
    response = alice.post(PROVISION, {"sipInfo": [{"transport": "WSS"}]})
    assert response.response().headers["X-Rate-Limit-Group"] == "heavy"
    from ringcentral.http.api_exception import ApiException

    with pytest.raises(ApiException) as refused:
        alice.post(PROVISION, {"sipInfo": [{"transport": "UDP"}]})
    assert refused.value.api_response().response().status_code == 400


def test_register_is_challenged_then_accepted_with_an_expiry(simulator, alice, phones):
    info = provision(alice)["sipInfo"][0]
    phone = phones(info, tls=True)  # wss://<outboundProxy>, as the browser connects
    reply = phone.register()
    assert phone.log == [
        "outbound - REGISTER sip:sip.ringcentral.com SIP/2.0",
        "inbound - SIP/2.0 100 Trying",
        "inbound - SIP/2.0 401 Unauthorized",
        "outbound - REGISTER sip:sip.ringcentral.com SIP/2.0",
        "inbound - SIP/2.0 100 Trying",
        "inbound - SIP/2.0 200 OK",
    ]
    expires = int(reply.header("Contact").split(";expires=")[1])
    assert 3 < expires <= 60
    (registration,) = simulator.control.sip_registrations()
    assert registration["extensionId"] == "62264001" and registration["connected"] is True


def test_a_wrong_password_is_forbidden(simulator, alice, phones):
    phone = phones(provision(alice)["sipInfo"][0])
    assert phone.register(password="not-it").status == 403
    assert simulator.control.sip_registrations() == []


def test_a_sixth_instance_is_refused_and_unregistering_frees_a_place(simulator, alice, phones):
    info = provision(alice)["sipInfo"][0]
    first = registered(phones, info, "instance-1")
    for n in range(2, 6):
        registered(phones, info, f"instance-{n}")
    sixth = phones(info, "instance-6")
    refused = sixth.register()
    assert refused.start_line == "SIP/2.0 603 Too Many Contacts"
    assert registered(phones, info, "instance-1")  # the same instance again replaces itself
    assert first.register(expires=0).status == 200
    assert sixth.register().status == 200
    assert len(simulator.control.sip_registrations()) == 5


def test_a_ringing_call_forks_to_every_phone_and_answering_cancels_the_others(simulator, alice, phones):
    info = provision(alice)["sipInfo"][0]
    tab, other_tab = registered(phones, info, "tab"), registered(phones, info, "other")
    tab.log.clear()
    call = simulator.control.place_call(CALLER, "101", from_name="ACME Corp")
    tsid, party = call["telephonySessionId"], call["session"]["parties"][1]["id"]
    invite, other_invite = incoming(tab), incoming(other_tab)
    assert invite.header("p-rc-api-ids") == f"party-id={party};session-id={tsid}"
    headers, body = rcmessage.parse(invite.header("P-rc"))
    assert headers["Cmd"] == "6" and body["Phn"] == CALLER and body["Nm"] == "ACME Corp"
    assert body["ToPhn"] == "+16505550101" and "m=audio" in invite.body
    assert tab.log[1:] == [
        "outbound - SIP/2.0 100 Trying",
        "outbound - SIP/2.0 180 Ringing",
        "outbound - MESSAGE sip:#1024016@sip.ringcentral.com:5060 SIP/2.0",
        "inbound - SIP/2.0 100 Trying",
        "inbound - SIP/2.0 200 OK",
    ]
    tab.log.clear()
    tab.answer(invite)
    ack = tab.wait_for(lambda m: m.is_request and m.method == "ACK")
    assert ack.call_id == invite.call_id and tag_of(ack.header("To")) == tag_of(invite.header("To"))
    message = tab.wait_for(lambda m: m.is_request and m.method == "MESSAGE")
    assert rcmessage.parse(message.body)[0]["Cmd"] == str(rcmessage.ALREADY_PROCESSED)
    assert tab.log == [
        "outbound - SIP/2.0 200 OK",
        "inbound - ACK " + tab.contact[1:-1] + " SIP/2.0",
        "inbound - " + message.start_line,
        "outbound - SIP/2.0 200 OK",
    ]
    cancel = other_tab.wait_for(lambda m: m.is_request and m.method == "CANCEL")
    assert cancel.header("CSeq") == f"{other_invite.cseq_number} CANCEL"
    answered = user_party(simulator, tsid)
    assert answered["status"]["code"] == "Answered" and answered["to"]["deviceId"] == info_device(alice)
    notified = [e["party"] for e in simulator.control.call(tsid)["events"] if e["party"]["id"] == party]
    assert notified[-1]["status"]["code"] == "Answered" and notified[-1]["to"]["deviceId"] == info_device(
        alice
    )


def info_device(platform) -> str:
    return provision(platform)["device"]["id"]


def test_the_caller_hanging_up_sends_bye_and_the_browser_hanging_up_ends_the_call(simulator, alice, phones):
    info = provision(alice)["sipInfo"][0]
    phone = registered(phones, info, "tab")
    first = simulator.control.place_call(CALLER, "101")["telephonySessionId"]
    invite = incoming(phone)
    answer(phone, invite)
    simulator.control.hang_up(first)
    bye = phone.wait_for(lambda m: m.is_request and m.method == "BYE")
    assert bye.call_id == invite.call_id and tag_of(bye.header("From")) == tag_of(invite.header("From"))
    assert tag_of(bye.header("To")) == tag_of(invite.header("To"))

    second = simulator.control.place_call(CALLER, "101")["telephonySessionId"]
    invite = incoming(phone)
    answer(phone, invite)
    assert phone.final_reply(phone.in_dialog(invite, "BYE")).status == 200
    wait_for(lambda: not simulator.control.call(second)["live"], what="the call to end")
    assert user_party(simulator, second)["status"]["code"] == "Disconnected"


@pytest.mark.parametrize("stops_ringing", ["caller hangs up", "desk phone answers", "browser declines"])
def test_a_call_that_stops_ringing_is_cancelled(simulator, alice, phones, stops_ringing):
    phone = registered(phones, provision(alice)["sipInfo"][0], "tab")
    tsid = simulator.control.place_call(CALLER, "101")["telephonySessionId"]
    invite = incoming(phone)
    if stops_ringing == "caller hangs up":
        simulator.control.hang_up(tsid)
    elif stops_ringing == "desk phone answers":
        simulator.control.answer_call(tsid)
    else:
        assert phone.send_rc_message(invite, rcmessage.CLIENT_REJECT).status == 200
    cancel = phone.wait_for(lambda m: m.is_request and m.method == "CANCEL")
    assert cancel.call_id == invite.call_id and cancel.header("Via") == invite.header("Via")


def test_reinvite_holds_and_resumes_the_party(simulator, alice, phones):
    phone = registered(phones, provision(alice)["sipInfo"][0], "tab")
    tsid = simulator.control.place_call(CALLER, "101")["telephonySessionId"]
    invite = incoming(phone)
    answer(phone, invite)
    assert user_party(simulator, tsid)["status"]["code"] == "Answered"
    for direction, status in (("sendonly", "Hold"), ("sendrecv", "Answered")):
        phone.log.clear()
        sdp = invite.body.replace("a=sendrecv", f"a={direction}")
        reinvite = phone.in_dialog(invite, "INVITE", sdp, **{"Content-Type": "application/sdp"})
        reply = phone.final_reply(reinvite)
        assert phone.log == [
            "outbound - " + reinvite.start_line,
            "inbound - SIP/2.0 100 Trying",
            "inbound - SIP/2.0 200 OK",
        ]
        assert reply.header("Content-Type") == "application/sdp" and "m=audio" in reply.body
        assert user_party(simulator, tsid)["status"]["code"] == status
        wait_for(
            lambda s=status: simulator.control.sip_dialogs()[0]["held"] == (s == "Hold"), what="media hold"
        )


def test_the_browser_places_a_call_after_a_proxy_challenge(simulator, alice, phones):
    body = provision(alice)
    phone = registered(phones, body["sipInfo"][0], "tab")
    phone.log.clear()
    invite, progress = phone.call("12125550100")
    assert progress.start_line == "SIP/2.0 183 Session Progress"
    ok = phone.wait_for(lambda m: not m.is_request and m.cseq_number == invite.cseq_number)
    assert ok.start_line == "SIP/2.0 200 OK" and "m=audio" in ok.body
    assert [line.split(" sip:")[0] for line in phone.log] == [
        "outbound - INVITE",
        "inbound - SIP/2.0 100 Trying",
        "inbound - SIP/2.0 407 Proxy Authentication Required",
        "outbound - INVITE",
        "inbound - SIP/2.0 100 Trying",
        "inbound - SIP/2.0 183 Session Progress",
        "inbound - SIP/2.0 200 OK",
    ]
    (call,) = simulator.control.calls(live=True)
    mine = call["session"]["parties"][0]
    assert mine["from"]["deviceId"] == body["device"]["id"] and mine["to"]["phoneNumber"] == "+12125550100"
    simulator.control.answer_call(call["telephonySessionId"])
    simulator.control.hang_up(
        call["telephonySessionId"], side="callee", party_id=call["session"]["parties"][1]["id"]
    )
    bye = phone.wait_for(lambda m: m.is_request and m.method == "BYE")
    assert bye.call_id == invite.call_id


def test_call_control_answering_on_the_web_phone_re_invites_it_to_answer_by_itself(simulator, alice, phones):
    body = provision(alice)
    phone = registered(phones, body["sipInfo"][0], "tab")
    call = simulator.control.place_call(CALLER, "101")
    tsid, party = call["telephonySessionId"], call["session"]["parties"][1]["id"]
    ringing = incoming(phone)
    path = f"/restapi/v1.0/account/~/telephony/sessions/{tsid}/parties/{party}/answer"
    answered = alice.post(path, {"deviceId": body["device"]["id"]}).json_dict()
    assert answered["status"]["code"] == "Answered"
    cancel = phone.wait_for(lambda m: m.is_request and m.method == "CANCEL")
    assert cancel.call_id == ringing.call_id
    auto = phone.wait_for(lambda m: m.is_request and m.method == "INVITE")
    assert auto.header("Alert-Info") == "Auto Answer" and "Answer-After=0" in auto.header("Call-Info")
    assert auto.header("p-rc-api-ids") == f"party-id={party};session-id={tsid}"
    phone.ring(auto)
    answer(phone, auto)
    (dialog,) = [d for d in simulator.control.sip_dialogs() if d["state"] == "answered"]
    assert (
        dialog["callId"] == auto.call_id
        and user_party(simulator, tsid)["to"]["deviceId"] == body["device"]["id"]
    )


def test_a_phone_whose_socket_closes_mid_call_drops_the_call(simulator, alice, phones):
    phone = registered(phones, provision(alice)["sipInfo"][0], "tab")
    tsid = simulator.control.place_call(CALLER, "101")["telephonySessionId"]
    answer(phone, incoming(phone))
    phone.close()
    wait_for(lambda: not simulator.control.call(tsid)["live"], what="the call to end")
    assert [r["connected"] for r in simulator.control.sip_registrations()] == [False]


def test_dropping_the_sip_sockets_closes_them_and_the_phone_registers_anew_to_ring(simulator, alice, phones):
    from websockets.exceptions import ConnectionClosed

    info = provision(alice)["sipInfo"][0]
    bob_phone = registered(phones, provision(simulator.sdk_platform("102"))["sipInfo"][0], "bob-tab")
    phone = registered(phones, info, "tab")
    assert simulator.control.drop_sip_sockets(extension_id=phone_extension(simulator, "tab")) == 1
    with pytest.raises(ConnectionClosed) as closed:
        phone.next_message()
    assert closed.value.rcvd.code == 1000  # closed by the server
    wait_for(
        lambda: (
            {r["instanceId"]: r["connected"] for r in simulator.control.sip_registrations()}
            == {"tab": False, "bob-tab": True}
        ),
        what="only Alice's phone to be unreachable",
    )
    again = registered(phones, info, "tab")  # a new socket, the same instance
    simulator.control.place_call(CALLER, "101")
    assert incoming(again).header("p-rc-api-ids")
    assert bob_phone.socket.protocol.state.name == "OPEN"


def phone_extension(simulator, instance_id: str) -> str:
    (registration,) = [r for r in simulator.control.sip_registrations() if r["instanceId"] == instance_id]
    return registration["extensionId"]


def test_the_console_lists_web_phones_and_where_to_accept_the_certificate(simulator, alice, phones):
    import requests
    from bs4 import BeautifulSoup

    info = provision(alice)["sipInfo"][0]
    registered(phones, info, "console-tab")
    html = requests.get(f"{simulator.url}/_sim/console", timeout=10).text
    section = BeautifulSoup(html, "html.parser").select_one("#web-phones")
    assert "console-tab" in section.get_text() and "connected" in section.get_text()
    assert section.select_one("a")["href"] == f"https://{info['outboundProxy']}/_sim/health"


def test_a_registration_lapses_at_its_expiry_unless_renewed(simulator, alice, phones):
    simulator.control.voice_config(sip_expires=2)
    info = provision(alice)["sipInfo"][0]
    phone = registered(phones, info, "short")
    assert phone.received[-1].header("Contact").endswith(";expires=2")
    wait_for(
        lambda: simulator.control.sip_registrations() == [], timeout=15, what="the registration to lapse"
    )
    assert phone.register().status == 200  # the SDK renews 3 s before the end; late, it registers anew
    simulator.control.place_call(CALLER, "101")
    assert incoming(phone).header("p-rc-api-ids")


def test_call_out_from_the_web_phone_device_makes_the_browser_pick_up_by_itself(simulator, alice, phones):
    body = provision(alice)
    phone = registered(phones, body["sipInfo"][0], "tab")
    placed = alice.post(
        "/restapi/v1.0/account/~/telephony/call-out",
        {"from": {"deviceId": body["device"]["id"]}, "to": {"phoneNumber": "+12125550100"}},
    ).json_dict()["session"]
    tsid, mine = placed["id"], placed["parties"][0]["id"]
    auto = phone.wait_for(lambda m: m.is_request and m.method == "INVITE")
    assert auto.header("Alert-Info") == "Auto Answer"
    assert auto.header("p-rc-api-ids") == f"party-id={mine};session-id={tsid}"
    assert rcmessage.parse(auto.header("P-rc"))[1]["Phn"] == "+12125550100"
    phone.ring(auto)
    answer(phone, auto)
    simulator.control.answer_call(tsid)
    assert phone.final_reply(phone.in_dialog(auto, "BYE")).status == 200
    wait_for(lambda: not simulator.control.call(tsid)["live"], what="the call to end")
