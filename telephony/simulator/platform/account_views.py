"""Account, extensions and devices (API.md §8)."""

from django.http import HttpRequest, JsonResponse

from telephony.simulator.platform.api import invalid_parameter, not_found, paged_response, rc_api
from telephony.simulator.platform.models import Account, Device, Extension


def extension_json(request: HttpRequest, extension: Extension, *, detailed: bool = False) -> dict:
    account = extension.account_id
    data = {
        "uri": request.build_absolute_uri(f"/restapi/v1.0/account/{account}/extension/{extension.id}"),
        "id": int(extension.id),
        "extensionNumber": extension.extension_number,
        "name": extension.name,
        "type": extension.type,
        "status": extension.status,
        "contact": _contact(extension),
        "permissions": {"admin": {"enabled": extension.is_admin}, "internationalCalling": {"enabled": False}},
        "hidden": False,
        "creationTime": extension.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    if detailed:
        data["account"] = {
            "uri": request.build_absolute_uri(f"/restapi/v1.0/account/{account}"),
            "id": account,
        }
        data["regionalSettings"] = {
            "timezone": {"name": "America/New_York", "description": "Eastern Time (US & Canada)"},
            "homeCountry": {"id": "1", "isoCode": "US", "name": "United States", "callingCode": "1"},
            "language": {"localeCode": "en-US", "name": "English (United States)"},
            "formattingLocale": {"localeCode": "en-US", "name": "English (United States)"},
            "timeFormat": "12h",
        }
        data["serviceFeatures"] = [
            {"featureName": name, "enabled": True}
            for name in ("CallControl", "WebPhone", "Voice", "VoipCalling")
        ]
        data["setupWizardState"] = "Completed"
    return data


def _contact(extension: Extension) -> dict:
    contact = {
        "firstName": extension.first_name,
        "lastName": extension.last_name,
        "company": extension.account.company_name,
        "email": extension.email,
        "businessPhone": extension.phone_number,
        "emailAsLoginName": bool(extension.email),
    }
    if extension.type != Extension.USER:
        contact = {"firstName": extension.name, "company": extension.account.company_name}
    return {k: v for k, v in contact.items() if v not in ("", None)}


def device_json(request: HttpRequest, device: Device) -> dict:
    extension = device.extension
    base = f"/restapi/v1.0/account/{extension.account_id}"
    data = {
        "uri": request.build_absolute_uri(f"{base}/device/{device.id}"),
        "id": device.id,
        "type": device.type,
        "name": device.name,
        "status": device.status,
        "model": {"name": device.model_name},
        "extension": {
            "uri": request.build_absolute_uri(f"{base}/extension/{extension.id}"),
            "id": int(extension.id),
            "extensionNumber": extension.extension_number,
        },
        "phoneLines": [
            {
                "lineType": "Standalone",
                "phoneInfo": {"phoneNumber": extension.phone_number, "usageType": "DirectNumber"},
            }
        ]
        if extension.phone_number
        else [],
    }
    if device.serial:
        data["serial"] = device.serial
    return data


@rc_api(group="Light", permission="ReadAccounts")
def account_info(request: HttpRequest, account_id: str) -> JsonResponse:
    account: Account = request.rc_account
    return JsonResponse(
        {
            "uri": request.build_absolute_uri(f"/restapi/v1.0/account/{account.id}"),
            "id": account.id,
            "mainNumber": account.main_number,
            "status": "Confirmed",
            "serviceInfo": {"brand": {"id": "1210", "name": "RingCentral"}},
            "operator": {"id": int(account.id), "extensionNumber": "100"},
        }
    )


@rc_api(group="Medium", permission="ReadAccounts")
def extension_list(request: HttpRequest, account_id: str) -> JsonResponse:
    extensions = Extension.objects.filter(account=request.rc_account).select_related("account")
    types = request.GET.getlist("type")
    if any(t not in Extension.TYPES for t in types):
        raise invalid_parameter("type")
    if types:
        extensions = extensions.filter(type__in=types)
    statuses = request.GET.getlist("status")
    if any(s not in Extension.STATUSES for s in statuses):
        raise invalid_parameter("status")
    if statuses:
        extensions = extensions.filter(status__in=statuses)
    emails = [e.lower() for e in request.GET.getlist("email")]
    if emails:
        extensions = extensions.filter(email__in=emails)
    if request.GET.get("extensionNumber"):
        extensions = extensions.filter(extension_number=request.GET["extensionNumber"])
    return paged_response(request, extensions, serialize=lambda e: extension_json(request, e))


@rc_api(group="Light", permission="ReadAccounts")
def extension_detail(request: HttpRequest, account_id: str, extension_id: str) -> JsonResponse:
    extension = Extension.objects.select_related("account").get(pk=extension_id)
    return JsonResponse(extension_json(request, extension, detailed=True))


@rc_api(group="Light", permission="ReadAccounts")
def extension_devices(request: HttpRequest, account_id: str, extension_id: str) -> JsonResponse:
    devices = Device.objects.filter(extension_id=extension_id).select_related("extension")
    return paged_response(request, devices, serialize=lambda d: device_json(request, d))


@rc_api(group="Light", permission="ReadAccounts")
def device_detail(request: HttpRequest, account_id: str, device_id: str) -> JsonResponse:
    device = (
        Device.objects.filter(pk=device_id, extension__account=request.rc_account)
        .select_related("extension")
        .first()
    )
    if device is None:
        raise not_found("deviceId", device_id)
    return JsonResponse(device_json(request, device))
