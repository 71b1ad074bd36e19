"""The calls of a transfer, as RingCentral reported them."""

from telephony.models import Call, Transfer


def consult_calls(transfer: Transfer) -> tuple[Call | None, Call | None]:
    """(our party, the colleague's party) of the consult call, as RingCentral reported them."""
    if not transfer.consult_session_id:
        return None, None
    rows = Call.objects.filter(entity_id=transfer.entity_id, telephony_session_id=transfer.consult_session_id)
    ours = theirs = None
    for row in rows:
        if row.resource_id == transfer.by_id:
            ours = row
        elif transfer.to_resource_id and row.resource_id == transfer.to_resource_id:
            theirs = row
    return ours, theirs
