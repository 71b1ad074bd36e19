"""The incoming-call wizard: who is calling, popped in every tab of the staff member it rings for.

On the first ringing event of an inbound call for a listening resource the caller's number is
matched (`crm.phones.find_callers`: customers first, then contacts) and the whole wizard is
pushed; every later change pushes only the parts that change (status, buttons), so what the user
is typing in the notes or the tab they are on is never replaced.
"""

from django.db import transaction
from django.utils import timezone

from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.matching import apply_match, colleague_for, record_matches
from telephony.wizard.tasks import reverse_lookup_task


def _listening(call: Call) -> bool:
    resource = call.resource
    return resource is not None and resource.ringcentral_enabled and resource.ringcentral_on


def call_changed(call: Call, rang_first_time: bool) -> None:
    """ingest call listener: pop the wizard on the first ring, then keep it current."""
    if call.resource is None:
        return
    if rang_first_time and call.direction == Call.Direction.INBOUND and _listening(call):
        pop_up(call)
    elif call.popped_up_at is not None:
        composer.push_live_parts(call)


def pop_up(call: Call) -> None:
    """Match the caller, remember the match on the call, push the wizard to the user's tabs."""
    matches = [] if colleague_for(call) else record_matches(call)
    # Ingest already runs listeners under a savepoint: no second one here, just a transaction if alone.
    with transaction.atomic(savepoint=False):
        if len(matches) == 1:
            apply_match(call, matches[0])
        call.popped_up_at = timezone.now()
        Call.objects.filter(pk=call.pk).update(
            customer=call.customer,
            contact=call.contact,
            matched_on=call.matched_on,
            popped_up_at=call.popped_up_at,
        )
        composer.push_popup(call, matches=matches)
        if not matches and not call.other_extension_id:
            transaction.on_commit(lambda: reverse_lookup_task.delay(call.pk), robust=True)
