"""The call wizard's ingest listener: it pops once per call, and keeps it current afterwards.

A call pops as soon as any event of it reaches us while it is live, whatever that first event
is (ringing if not answered yet, on call if it already was); a call already over when we first
hear of it pops nothing (it still lands in recent calls and history, matched by
`matching.match_unpopped_call`). `Call.popped_up_at`, written under the call's row lock, makes
it exactly once. Inbound calls pop for a listening user; calls the user places from the desk
phone or the RingCentral app pop the outbound wizard when their setting asks for it (a call
dialled in Arcadium was shown when it was dialled). Every later change pushes only the parts
that change (status, buttons), so what the user is typing or the tab they are on stays.
"""

from django.db import transaction
from django.utils import timezone

from arcadium import prepared
from crm.numbers import home_region
from crm.phones import primary_match
from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.matching import apply_match, colleague_for, record_matches
from telephony.wizard.tasks import queue_lookup


def _listening(call: Call) -> bool:
    resource = call.resource
    return resource is not None and resource.ringcentral_active


def _pops(call: Call) -> bool:
    resource = call.resource
    if resource is None or call.popped_up_at is not None or not call.is_live or not _listening(call):
        return False
    if call.direction == Call.Direction.INBOUND:
        return True
    if call.transfer_id:  # the consult call of a transfer shows inside the wizard of the call it is for
        return False
    # Placed from the user's own phone: a colleague's extension is no one to take notes on.
    return resource.open_wizard_for_placed_calls and not call.other_extension_id


def call_changed(call: Call) -> None:
    """ingest call listener: pop the wizard on the first event of a live call, then keep it current."""
    if call.resource is None:
        return
    if _pops(call):
        with home_region(call.entity.default_region):  # "matched on Main phone (212) 555-0100"
            pop_up(call)
    elif call.popped_up_at is not None:
        composer.push_live_parts(call)


def pop_up(call: Call) -> None:
    """Match the other side, remember the match on the call, push the wizard to the user's tabs."""
    # A call that comes with its record (passed on by a colleague) keeps it: no lookup, no chooser.
    known = bool(call.customer_id or call.contact_id)
    matches = [] if known or colleague_for(call) else record_matches(call)
    # Ingest already runs listeners under a savepoint: no second one here, just a transaction if alone.
    with transaction.atomic(savepoint=False):
        chosen = primary_match(matches)
        if chosen is not None:
            apply_match(call, chosen)
        call.popped_up_at = timezone.now()
        written = ["customer", "contact", "matched_on", "popped_up_at"]
        unknown_caller = not matches and not call.other_extension_id and not known
        if unknown_caller:  # dated in the same statement (unknown_caller.lookup_queued's meaning)
            call.lookup_queued_at = call.popped_up_at
            written.append("lookup_queued_at")
        prepared.update(call, written)
        composer.push_popup(call, matches=matches)
        if unknown_caller:
            queue_lookup(call, dated=True)
