"""What every `/restapi/v1.0/...` view of the simulator shares: bearer authentication, RingCentral
error bodies, the rate-limit group, `~` resolution and paged responses.

Voice views use it too::

    @rc_api(group="Light", methods=("POST",))
    def answer(request, account_id, telephony_session_id, party_id):
        request.rc_extension  # the token owner (Extension)
        request.rc_token      # the Token row
        request.rc_account    # the Account
        ...
        return rc_error(409, "TAS-101", "Call is not in a state to be answered")
"""

import functools
import json
import math
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from telephony.simulator.platform.models import Account, Extension, Token, WsToken

# An access token replaced by a refresh reads as "corrupted" for a few seconds, then "not found"
# (tylerlong's token-refresh experiment, API.md §1.3).
RETIRED_CORRUPTED_SECONDS = 10
MAX_PER_PAGE = 1000

_CATEGORIES = {
    "OAU-128": "TokenExpired",
    "OAU-129": "TokenInvalid",
    "OAU-213": "TokenInvalid",
    "OAU-149": "TokenInvalid",
    "OAU-123": "TokenInvalid",
    "OAU-151": "TokenInvalid",
    "CMN-101": "InvalidParameter",
    "CMN-102": "ResourceNotFound",
    "CMN-401": "InsufficientPermissions",
}


class RCError(Exception):
    """Raise inside an `rc_api` view to answer with a RingCentral error body."""

    def __init__(self, status: int, code: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> JsonResponse:
        return rc_error(self.status, self.code, self.message, **self.extra)


def rc_error(status: int, code: str, message: str, *, category: str | None = None, **extra) -> JsonResponse:
    """`{errorCode, message, errors: [{errorCode, message, <extra>}], <extra>}` as RingCentral answers.

    The top-level `errorCode` is RingCentral's category name where we know it (`InvalidParameter`,
    `TokenExpired`...), else the code itself; clients key on `errors[].errorCode`.
    """
    body = {
        "errorCode": category or _CATEGORIES.get(code, code),
        "message": message,
        "errors": [{"errorCode": code, "message": message, **extra}],
        **extra,
    }
    return JsonResponse(body, status=status)


def invalid_parameter(name: str, message: str | None = None) -> RCError:
    return RCError(400, "CMN-101", message or f"Parameter [{name}] value is invalid.", parameterName=name)


def not_found(parameter: str, value: str = "") -> RCError:
    message = f"Resource for parameter [{parameter}] is not found"
    return RCError(404, "CMN-102", message, parameterName=parameter, parameterValue=value)


def missing_permission(permission: str) -> RCError:
    message = f"In order to call this API endpoint, application needs to have [{permission}] permission"
    return RCError(403, "CMN-401", message, category="InsufficientPermissions", permissionName=permission)


# -- authentication ----------------------------------------------------------------------------


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise RCError(401, "OAU-151", "Authorization method not supported")
        value = value.strip()
        if not value:
            raise RCError(401, "OAU-123", "Invalid Authorization header value")
        return value
    return request.GET.get("access_token") or None


def authenticate(request: HttpRequest) -> Token:
    """The live Token of this request, or RCError(401, ...) with RingCentral's code. Cached on the request."""
    cached = getattr(request, "_rc_auth", None)
    if cached is not None:
        if isinstance(cached, RCError):
            raise cached
        return cached
    try:
        token = _lookup_token(request)
    except RCError as exc:
        request._rc_auth = exc
        raise
    request._rc_auth = token
    return token


def _lookup_token(request: HttpRequest) -> Token:
    value = bearer_token(request)
    if value is None:
        raise RCError(401, "OAU-123", "Authorization header is not specified")
    if len(value) > 200 or not value.isascii():
        raise RCError(401, "OAU-149", "Unparsable access token")
    token = Token.objects.select_related("extension__account", "app").filter(access_token=value).first()
    if token is None or token.revoked:
        raise RCError(401, "OAU-213", "Token not found")
    now = timezone.now()
    if token.retired_at is not None:
        if now - token.retired_at < timedelta(seconds=RETIRED_CORRUPTED_SECONDS):
            raise RCError(401, "OAU-129", "Access token corrupted")
        raise RCError(401, "OAU-213", "Token not found")
    if now >= token.access_expires_at:
        raise RCError(401, "OAU-128", "Access token expired")
    return token


def consume_ws_token(token: str) -> Extension | None:
    """Spend a single-use WebSocket token (from `/restapi/oauth/wstoken`); its owner, or None if the
    token is unknown, expired or already used. Safe to call from a sync context only."""
    with transaction.atomic():
        updated = WsToken.objects.filter(token=token, used=False, expires_at__gt=timezone.now()).update(
            used=True
        )
        if updated != 1:
            return None
        return WsToken.objects.select_related("extension__account").get(token=token).extension


# -- the decorator -----------------------------------------------------------------------------


def rc_api(group: str = "Light", methods: Iterable[str] = ("GET",), permission: str = "") -> Callable:
    """Guard a `/restapi/v1.0/...` view: method, bearer auth, app permission, `~` and account id.

    Sets `request.rc_token`, `request.rc_extension` (token owner), `request.rc_account`. A view
    argument `account_id` must be `~` or the account's id; `extension_id` of `~` becomes the owner's
    id and an unknown extension is a 404. An app without `permission` gets RingCentral's 403
    CMN-401. The view may raise RCError. `group` is read by RateLimitMiddleware.
    """
    allowed = {m.upper() for m in methods}

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                if request.method not in allowed:
                    raise RCError(
                        405,
                        "CMN-202",
                        f"Method {request.method} is not supported",
                        category="MethodNotAllowed",
                    )
                token = authenticate(request)
                request.rc_token = token
                request.rc_extension = token.extension
                request.rc_account = token.extension.account
                if permission and permission not in token.scope.split():
                    raise missing_permission(permission)
                _resolve_path_ids(request, kwargs)
                return view(request, *args, **kwargs)
            except RCError as exc:
                return exc.response()

        wrapper.rate_limit_group = group
        return csrf_exempt(wrapper)

    return decorate


def _resolve_path_ids(request: HttpRequest, kwargs: dict) -> None:
    account_id = kwargs.get("account_id")
    if account_id is not None and account_id not in ("~", request.rc_account.id):
        raise not_found("accountId", account_id)
    extension_id = kwargs.get("extension_id")
    if extension_id is not None:
        if extension_id == "~":
            kwargs["extension_id"] = request.rc_extension.id
        elif not Extension.objects.filter(account=request.rc_account, id=extension_id).exists():
            raise not_found("extensionId", extension_id)


def account_of(request: HttpRequest) -> Account:
    return request.rc_account


# -- batch (comma-separated ids) ---------------------------------------------------------------

MAX_BATCH_IDS = 50


def batch_ids(raw: str, parameter: str) -> list[str] | None:
    """The ids of a comma-separated path segment, or None for a single id."""
    if "," not in raw:
        return None
    ids = [part.strip() for part in raw.split(",")]
    if len(ids) > MAX_BATCH_IDS or not all(ids):
        raise invalid_parameter(parameter)
    return ids


def multipart_response(parts: list[tuple[int, dict]]) -> HttpResponse:
    """RingCentral's batch answer: HTTP 207 `multipart/mixed`, first part `{"response": [{status}...]}`,
    then one JSON part per id, in the order asked."""
    boundary = f"Boundary_{uuid.uuid4().hex}"
    summary = {"response": [{"status": status} for status, _ in parts]}
    chunks = [json.dumps(summary)] + [json.dumps(body) for _, body in parts]
    text = "".join(f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{chunk}\r\n" for chunk in chunks)
    return HttpResponse(
        f"{text}--{boundary}--\r\n", status=207, content_type=f"multipart/mixed; boundary={boundary}"
    )


def error_body(error: RCError) -> dict:
    return json.loads(error.response().content)


# -- URIs and paging ---------------------------------------------------------------------------


def api_uri(request: HttpRequest, path: str, **query) -> str:
    """Absolute URI on this server, as RingCentral puts in `uri` fields."""
    query = {k: v for k, v in query.items() if v is not None}
    return request.build_absolute_uri(path) + (f"?{urlencode(query, doseq=True)}" if query else "")


def page_params(request: HttpRequest, *, default_per_page: int = 100) -> tuple[int, int]:
    raw_page, raw_per_page = request.GET.get("page", "1"), request.GET.get("perPage", str(default_per_page))
    try:
        page = int(raw_page)
    except ValueError:
        raise invalid_parameter("page") from None
    if raw_per_page.lower() == "max":
        per_page = MAX_PER_PAGE
    else:
        try:
            per_page = int(raw_per_page)
        except ValueError:
            raise invalid_parameter("perPage") from None
    if page < 1:
        raise invalid_parameter("page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise invalid_parameter("perPage")
    return page, per_page


def paged_response(
    request: HttpRequest,
    records,
    *,
    serialize: Callable = lambda record: record,
    default_per_page: int = 100,
    with_totals: bool = True,
    extra: dict | None = None,
) -> JsonResponse:
    """`{uri, records, paging, navigation}` (API.md §6.3, §8) for a QuerySet or list.

    `paging` has 0-based `pageStart`/`pageEnd`; `totalPages`/`totalElements` only `with_totals`
    (RingCentral leaves them out of call-log pages). `navigation` links keep the other query params.
    Without totals the next page is probed by fetching one extra row.
    """
    page, per_page = page_params(request, default_per_page=default_per_page)
    start = (page - 1) * per_page
    if with_totals:
        total = (
            records.count() if hasattr(records, "count") and not isinstance(records, list) else len(records)
        )
        rows = list(records[start : start + per_page])
        has_next = start + per_page < total
        last_page = max(1, math.ceil(total / per_page))
    else:
        rows = list(records[start : start + per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        total = last_page = None
    params = {k: request.GET.getlist(k) for k in request.GET if k not in ("page", "perPage", "access_token")}

    def link(number: int) -> dict:
        return {"uri": api_uri(request, request.path, **params, page=number, perPage=per_page)}

    paging = {"page": page, "perPage": per_page}
    if rows:
        paging.update(pageStart=start, pageEnd=start + len(rows) - 1)
    navigation = {"firstPage": link(1)}
    if has_next:
        navigation["nextPage"] = link(page + 1)
    if page > 1:
        navigation["previousPage"] = link(page - 1)
    if with_totals:
        paging.update(totalPages=last_page, totalElements=total)
        navigation["lastPage"] = link(last_page)
    body = {
        "uri": link(page)["uri"],
        "records": [serialize(row) for row in rows],
        "paging": paging,
        "navigation": navigation,
        **(extra or {}),
    }
    return JsonResponse(body)


# -- fallbacks (wired as handler404/handler500 in the simulator's root URLconf) ----------------


def not_found_view(request: HttpRequest, exception=None) -> JsonResponse:
    return rc_error(404, "CMN-120", "Invalid URI", category="InvalidURI")


def server_error_view(request: HttpRequest) -> JsonResponse:
    return rc_error(500, "CMN-203", "Internal Server Error", category="InternalError")
