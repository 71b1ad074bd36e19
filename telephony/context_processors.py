from telephony.status import HIDDEN, phone_status


def phone(request) -> dict:
    resource = getattr(request, "resource", None)
    return {"phone": phone_status(resource) if resource is not None else HIDDEN}
