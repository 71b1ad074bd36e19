"""SIP digest authentication (RFC 2617 without qop), as RingCentral challenges the web phone.

The web phone answers a 401 `WWW-Authenticate` (REGISTER) or a 407 `Proxy-Authenticate`
(INVITE) with MD5(HA1:nonce:HA2), HA1 = MD5(authorizationId:realm:password),
HA2 = MD5(METHOD:sip:<domain>). Its regex for the INVITE challenge needs `, nonce="`.
"""

import hashlib
import hmac
import secrets

from .message import DOMAIN


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def challenge(nonce: str) -> str:
    return f'Digest realm="{DOMAIN}", nonce="{nonce}", algorithm=MD5'


def parse(value: str) -> dict[str, str]:
    """`Digest algorithm="MD5", username="x", …` → {"algorithm": "MD5", "username": "x", …}."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return {}
    params = {}
    for part in _split(rest):
        key, _, raw = part.partition("=")
        params[key.strip()] = raw.strip().strip('"')
    return params


def _split(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def expected_response(*, authorization_id: str, password: str, nonce: str, method: str, uri: str) -> str:
    ha1 = md5(f"{authorization_id}:{DOMAIN}:{password}")
    ha2 = md5(f"{method}:{uri}")
    return md5(f"{ha1}:{nonce}:{ha2}")


def verify(params: dict[str, str], *, password: str, method: str, nonces: set[str]) -> bool:
    """Whether `params` (from `parse`) prove the password for a nonce we issued."""
    nonce = params.get("nonce", "")
    if nonce not in nonces or params.get("realm") != DOMAIN:
        return False
    wanted = expected_response(
        authorization_id=params.get("username", ""),
        password=password,
        nonce=nonce,
        method=method,
        uri=params.get("uri", ""),
    )
    return hmac.compare_digest(wanted, params.get("response", ""))


def authorization(*, authorization_id: str, password: str, nonce: str, method: str) -> str:
    """The header value the web phone sends (tests use it to speak as the browser does)."""
    uri = f"sip:{DOMAIN}"
    digest = expected_response(
        authorization_id=authorization_id, password=password, nonce=nonce, method=method, uri=uri
    )
    pairs = {
        "Digest algorithm": "MD5",
        "username": authorization_id,
        "realm": DOMAIN,
        "nonce": nonce,
        "uri": uri,
        "response": digest,
    }
    return ", ".join(f'{key}="{value}"' for key, value in pairs.items())
