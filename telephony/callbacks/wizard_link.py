"""The call wizard's link to the callback item: a call with a number that has an open item (or
whose callback closed it) shows it, so whoever calls back sees why and where it is tracked."""

from django.db.models import Q

from crm.numbers import try_normalize
from telephony.callbacks.models import CallbackItem
from telephony.models import Call


def wizard_context(call: Call, fresh: bool) -> dict:
    """Wizard context provider: {"callback_item": item} for the call's number, if there is one."""
    if not call.caller_number or call.other_extension_id:
        return {}
    phone = try_normalize(call.caller_number, call.entity.default_region)
    if phone is None:
        return {}
    # One query on the wizard's path: the number's open item, or the one this call closed.
    item = (
        CallbackItem.objects.filter(entity_id=call.entity_id, number=phone.e164)
        .filter(Q(status=CallbackItem.Status.OPEN) | Q(reached_call=call))
        .select_related("claimed_by")
        .order_by("-status")  # "open" before "closed"
        .first()
    )
    return {"callback_item": item} if item else {}
