"""The web-phone side's pure parts: SIP message reading/writing, digest, and the registrar's rules."""

import time

from hypothesis import given
from hypothesis import strategies as st

from telephony.simulator.webphone import digest
from telephony.simulator.webphone.message import SipMessage, header_param, response, tag_of, uri_of
from telephony.simulator.webphone.registrar import MAX_INSTANCES, Registrar, Registration, TooManyContacts

# A REGISTER exactly as ringcentral-web-phone 2.5.4 writes it (RequestMessage.toString()).
SDK_REGISTER = "\r\n".join(
    [
        "REGISTER sip:sip.ringcentral.com SIP/2.0",
        "Call-Id: mb8k2x1abc123",
        'Contact: <sip:mb8k2x2@mb8k2x3.invalid;transport=wss>;+sip.instance="<urn:uuid:tab-1>";expires=60',
        "From: <sip:16505550101*101@sip.ringcentral.com>;tag=mb8k2x4",
        "To: <sip:16505550101*101@sip.ringcentral.com>",
        "Via: SIP/2.0/WSS mb8k2x5.invalid;branch=z9hG4bK-mb8k2x6",
        "CSeq: 8017 REGISTER",
        "Content-Length: 0",
        "User-Agent: ringcentral-web-phone-2",
        "Max-Forwards: 70",
        "",
        "",
    ]
)


def test_it_reads_the_sdks_register_and_answers_in_its_dialect():
    request = SipMessage.parse(SDK_REGISTER)
    assert request.method == "REGISTER" and request.cseq_number == 8017 and request.call_id == "mb8k2x1abc123"
    contact = request.header("contact")
    assert header_param(contact, "+sip.instance") == "<urn:uuid:tab-1>"
    assert header_param(contact, "expires") == "60"
    assert uri_of(contact) == "sip:mb8k2x2@mb8k2x3.invalid;transport=wss"
    reply = response(request, 401, to_tag="abc", headers={"WWW-Authenticate": digest.challenge("n1")})
    lines = str(reply).split("\r\n")
    assert lines[0] == "SIP/2.0 401 Unauthorized"
    # One "Name: value" line per header (the SDK splits on ": "), the SDK's CSeq and Via echoed.
    assert (
        "CSeq: 8017 REGISTER" in lines and "Via: SIP/2.0/WSS mb8k2x5.invalid;branch=z9hG4bK-mb8k2x6" in lines
    )
    assert tag_of(reply.header("To")) == "abc" and lines[-2:] == ["", ""]
    assert 'nonce="n1"' in reply.header("www-authenticate")


def test_digest_accepts_the_sdks_answer_and_nothing_else():
    nonce = digest.new_nonce()
    signed = digest.authorization(authorization_id="802", password="pw", nonce=nonce, method="REGISTER")
    params = digest.parse(signed)
    assert params["username"] == "802" and params["uri"] == "sip:sip.ringcentral.com"
    assert digest.verify(params, password="pw", method="REGISTER", nonces={nonce})
    assert not digest.verify(params, password="other", method="REGISTER", nonces={nonce})
    assert not digest.verify(params, password="pw", method="INVITE", nonces={nonce})
    assert not digest.verify(params, password="pw", method="REGISTER", nonces={"another-nonce"})
    # The INVITE challenge must match the SDK's /, nonce="(.+?)"/.
    assert ', nonce="' in digest.challenge(nonce)


def registration(extension: str, instance: str, *, seconds: float = 60) -> Registration:
    return Registration(
        extension_id=extension,
        instance_id=instance,
        device_id="d",
        authorization_id="a",
        username="u",
        contact_uri="sip:x@y.invalid",
        expires_at=time.monotonic() + seconds,
    )


steps = st.lists(
    st.tuples(st.sampled_from(["register", "unregister"]), st.sampled_from("AB"), st.integers(1, 8)),
    max_size=60,
)


@given(steps)
def test_no_extension_ever_has_more_than_five_live_instances(actions):
    registrar, model = Registrar(), {"A": set(), "B": set()}
    for action, extension, n in actions:
        instance = f"i{n}"
        if action == "unregister":
            registrar.unregister(extension, instance)
            model[extension].discard(instance)
            continue
        full = len(model[extension] - {instance}) >= MAX_INSTANCES
        try:
            registrar.register(registration(extension, instance))
            assert not full
            model[extension].add(instance)
        except TooManyContacts:
            assert full
        assert {r.instance_id for r in registrar.all() if r.extension_id == extension} == model[extension]


def test_a_lapsed_registration_frees_its_place():
    registrar = Registrar()
    registrar.register(registration("A", "old", seconds=-1))
    for n in range(MAX_INSTANCES):
        registrar.register(registration("A", f"i{n}"))
    assert {r.instance_id for r in registrar.all()} == {f"i{n}" for n in range(MAX_INSTANCES)}


def test_the_sip_certificate_is_kept_while_valid_and_remade_when_not(tmp_path):
    from telephony.simulator.webphone import tls

    cert, _ = tls.ensure_self_signed(tmp_path)
    first = cert.read_bytes()
    assert tls.ensure_self_signed(tmp_path)[0].read_bytes() == first
    cert.write_text("not a certificate")
    assert tls.ensure_self_signed(tmp_path)[0].read_bytes() not in (first, b"not a certificate")
