from django.http import HttpRequest

from telephony.connect.presence import UNKNOWN, presence_for
from telephony.connect.status import HIDDEN, phone_status


def phone(request: HttpRequest) -> dict:
    resource = getattr(request, "resource", None)
    status = phone_status(resource) if resource is not None else HIDDEN
    # click_to_dial: phone numbers become "call with RingCentral" links instead of tel: links.
    return {
        "phone": status,
        "click_to_dial": status.listening,
        "presence": presence_for(resource) if status.visible else UNKNOWN,
    }
