"""The call wizard's link to the callback item: a call with a number that has an open item (or
whose callback closed it) shows it, so whoever calls back sees why and where it is tracked."""

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
    items = CallbackItem.objects.filter(entity_id=call.entity_id, number=phone.e164)
    item = items.open().first() or items.filter(reached_call=call).first()
    return {"callback_item": item} if item else {}
