"""Account data: the current extension, the account's extensions, an extension's devices."""

from collections.abc import Iterator

from telephony.ringcentral.session import Session, get_json
from telephony.ringcentral.transport import same_host
from telephony.ringcentral.types import Device, Extension

EXTENSION_PATH = "/restapi/v1.0/account/~/extension"


def current_extension(session: Session) -> Extension:
    """The extension the session's token belongs to (carries the account id)."""
    return Extension.from_api(get_json(session, f"{EXTENSION_PATH}/~"))


def list_extensions(
    session: Session, *, per_page: int = 100, types: list[str] | None = None
) -> list[Extension]:
    """Every extension of the account (all pages)."""
    return [
        Extension.from_api(r)
        for r in all_records(session, EXTENSION_PATH, {"perPage": per_page, "type": types})
    ]


def list_devices(session: Session, extension_id: str = "~") -> list[Device]:
    """The devices (softphone, desk phone…) of an extension; `~` is the session's own extension."""
    path = f"{EXTENSION_PATH}/{extension_id}/device"
    return [Device.from_api(r) for r in all_records(session, path, {"perPage": 100})]


def all_records(session: Session, path: str, params: dict) -> Iterator[dict]:
    url: str | None = path
    page_params: dict | None = params
    while url:
        body = get_json(session, url, params=page_params)
        yield from body.get("records") or []
        url = next_page_url(body, session)
        page_params = None  # the nextPage URI already carries the query


def next_page_url(body: dict, session: Session) -> str | None:
    """`navigation.nextPage.uri`, only if it points back at the server we talk to."""
    uri = ((body.get("navigation") or {}).get("nextPage") or {}).get("uri")
    if not uri or not same_host(uri, session.connector.server_url):
        return None
    return uri
