"""Helpers for the telephony.ringcentral client tests: a connector on the simulator and a resource
authorized through the simulator's real login and Access Request pages."""

from urllib.parse import parse_qs, urlsplit

from telephony import ringcentral
from telephony.models import Connector, RingCentralToken
from tests.factories import EntityFactory, ResourceFactory
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, sign_in_and_authorize

REDIRECT_URI = "http://127.0.0.1:8000/telephony/oauth/callback/"


def make_connector(simulator, **fields) -> Connector:
    values = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET, "server_url": simulator.url}
    return Connector.objects.create(entity=EntityFactory(), **{**values, **fields})


def code_from_pages(
    connector: Connector, *, username: str = "101", state: str = "state-1"
) -> tuple[str, str]:
    """(code, verifier) after signing in and pressing Authorize on the simulator's pages."""
    verifier, challenge = ringcentral.new_pkce()
    url = ringcentral.authorize_url(
        connector, redirect_uri=REDIRECT_URI, state=state, code_challenge=challenge
    )
    landed = sign_in_and_authorize(url, username=username)
    query = parse_qs(urlsplit(landed).query)
    assert query["state"] == [state]
    return query["code"][0], verifier


def authorize_resource(connector: Connector, *, username: str = "101") -> RingCentralToken:
    code, verifier = code_from_pages(connector, username=username)
    tokens = ringcentral.exchange_code(connector, code=code, verifier=verifier, redirect_uri=REDIRECT_URI)
    resource = ResourceFactory(entity=connector.entity)
    return ringcentral.save_tokens(connector=connector, resource=resource, token_set=tokens)


def secrets_of(token: RingCentralToken) -> list[str]:
    """Every secret value a log line or error message must never contain."""
    token.refresh_from_db()
    connector = token.connector
    values = [token.access_token, token.refresh_token, connector.client_secret, connector.jwt_credential]
    return [v for v in values if v]


def record_requests(monkeypatch) -> list[str]:
    """Record "METHOD /path" of every request our transport sends (the requests still go out)."""
    from urllib.parse import urlsplit as split

    from telephony.ringcentral.transport import TRANSPORT, Transport

    sent: list[str] = []
    original = Transport.send

    def spy(self, request, **kwargs):
        prepared = request.prepare() if hasattr(request, "prepare") else request
        sent.append(f"{prepared.method} {split(prepared.url).path}")
        return original(self, prepared, **kwargs)

    monkeypatch.setattr(TRANSPORT.__class__, "send", spy)
    return sent
