"""An unknown caller: run the reverse lookup for the call and show what it found in the wizard."""

from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.reverse_lookup import LookupOutcome, lookup_caller


def call_lookup_run(*, call_id: int, final: bool) -> LookupOutcome | None:
    """Look up a call's unknown caller and push the result to the call's user.

    Returns None when there is nothing to do (call gone, already matched). When a provider failed
    transiently and this is not the `final` attempt, the user sees what is known so far with
    “trying again”, and the caller (the task) retries.
    """
    call = Call.objects.select_related("entity", "resource").filter(pk=call_id).first()
    if call is None or call.customer_id or call.contact_id:
        return None
    outcome = lookup_caller(entity_id=call.entity_id, number=call.caller_number)
    retrying = bool(outcome.failed and outcome.retryable and not final)
    composer.push_lookup(call, outcome=outcome, retrying=retrying)
    return outcome
