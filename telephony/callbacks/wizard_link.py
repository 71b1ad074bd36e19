"""The call wizard's link to the callback item: a call with a number that has an open item (or
whose callback closed it) shows it, so whoever calls back sees why and where it is tracked."""

from arcadium import prepared
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
    # One prepared query on the wizard's path: the number's open item, or the one this call closed.
    found = prepared.select(
        CallbackItem,
        "entity_id = %s AND number = %s AND (status = %s OR reached_call_id = %s) ORDER BY status DESC LIMIT 1",
        [call.entity_id, phone.e164, CallbackItem.Status.OPEN.value, call.pk],
    )
    return {"callback_item": found[0]} if found else {}
