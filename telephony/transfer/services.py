"""Transfer now, Forward, Ask first (hold, consult, Complete transfer / Back to caller).

What the user sees afterwards comes from RingCentral's events (`state.py`); these functions only
ask RingCentral and keep the rows that let the events find the transfer.

Lock order, the one rule: a transaction here writes at most ONE existing Call row, and never a
Transfer row and a Call row that exist already in the same transaction. Ingest locks one Call
row per event and, under it, only reads Transfer rows and writes that same Call row
(`wizard_hooks.call_changed`). So no two transactions ever wait on each other in a cycle.
"""

import contextlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Resource
from telephony import plain_errors
from telephony import ringcentral as rc
from telephony.connect.devices import softphone_device_id
from telephony.models import Call, Subscription, Transfer
from telephony.transfer.legs import consult_calls
from telephony.webphone.credentials import webphone_device_id

logger = logging.getLogger(__name__)
ANSWERED = (Call.State.ON_CALL, Call.State.ON_HOLD)


class TransferError(Exception):
    """Something the user should read in the wizard."""


@dataclass(frozen=True)
class Target:
    """Where the caller goes: a colleague (resource and extension number) or a number (E.164)."""

    label: str
    resource: Resource | None = None
    extension_number: str = ""
    number: str = ""

    def destination(self) -> dict[str, str]:
        if self.extension_number:
            return {"extension_number": self.extension_number}
        return {"phone_number": self.number}


def _explain(exc: rc.RingCentralError, target: Target, doing: str) -> str:
    if isinstance(exc, rc.InvalidRequest) and exc.error_code in ("TAS-102", "TAS-101"):
        if doing == "complete":
            return f"{target.label} has not answered yet: wait until you are talking, then complete."
        return "RingCentral cannot do that with the call as it is now (it may have just changed). Try again."
    if isinstance(exc, rc.NotFound):
        return "This call has already ended."
    return plain_errors.explain(exc, failed=f"the call was not {doing}", refused=f"{doing} this call")


def _listening(resource: Resource | None) -> bool:
    if resource is None or not resource.ringcentral_active:
        return False
    return Subscription.objects.filter(resource=resource, status=Subscription.Status.ACTIVE).exists()


def _new_transfer(*, call: Call, by: Resource, kind: str, target: Target) -> Transfer:
    # The Transfer row is new (nobody can wait on it); the one existing row written is the call.
    with transaction.atomic():
        transfer = Transfer.objects.create(
            entity_id=call.entity_id,
            call=call,
            by=by,
            kind=kind,
            to_resource=target.resource,
            to_extension_number=target.extension_number,
            to_number=target.number,
            to_label=target.label[:200],
        )
        Call.objects.filter(pk=call.pk).update(transfer=transfer, updated_at=timezone.now())
    call.transfer = transfer
    return transfer


def _expect_colleague(transfer: Transfer, call: Call) -> Call | None:
    """The colleague's party RingCentral is about to report in the caller's session, made now
    (already on the caller's record, with a link to the transfer) so that its first event finds
    it by its key: their wizard opens on the same record at no cost to the ingest path. Only
    for a colleague who listens in Arcadium; the others' calls are not ours to show."""
    colleague = transfer.to_resource
    if not _listening(colleague) or colleague is None or not colleague.ringcentral_extension_id:
        return None
    try:
        with transaction.atomic():
            return Call.objects.create(
                entity_id=call.entity_id,
                resource=colleague,
                telephony_session_id=call.telephony_session_id,
                session_id=call.session_id,
                extension_id=colleague.ringcentral_extension_id,
                direction=Call.Direction.INBOUND,
                from_number=call.caller_number,
                from_name=call.caller_name,
                customer_id=call.customer_id,
                contact_id=call.contact_id,
                matched_on=call.matched_on,
                started_at=timezone.now(),
                transfer=transfer,
            )
    except IntegrityError:  # they had a party of this session already (an earlier transfer)
        return None


def _undo(transfer: Transfer, *, expected: Call | None = None) -> None:
    """RingCentral refused: nothing happened, so nothing of the attempt stays."""
    if expected is not None:  # never reported by RingCentral (no party yet): safe to drop
        Call.objects.filter(pk=expected.pk, party_sequences={}).delete()
    Call.objects.filter(pk=transfer.call_id, transfer=transfer).update(transfer=None)
    Transfer.objects.filter(pk=transfer.pk).delete()


def _check_live(call: Call) -> None:
    if not call.is_live:
        raise TransferError("This call has already ended.")
    if not call.telephony_session_id or not call.party_id:
        raise TransferError("The call is still being placed. Try again in a moment.")


def transfer_now(*, call: Call, resource: Resource, target: Target) -> Transfer:
    """Transfer now (an answered call) or Forward (a call still ringing): RingCentral moves the
    caller to the target. Raises TransferError with a readable message."""
    _check_live(call)
    ringing = call.state == Call.State.RINGING and call.direction == Call.Direction.INBOUND
    if not ringing and call.state not in ANSWERED:
        raise TransferError("Answer the call first, or wait until it rings.")
    kind = Transfer.Kind.FORWARD if ringing else Transfer.Kind.COLD
    transfer = _new_transfer(call=call, by=resource, kind=kind, target=target)
    expected = _expect_colleague(transfer, call)
    ids = {"telephony_session_id": call.telephony_session_id, "party_id": call.party_id}
    try:
        with rc.session_for(resource) as session:
            move = rc.forward if ringing else rc.transfer
            move(session, **ids, **target.destination())
    except rc.RingCentralError as exc:
        _undo(transfer, expected=expected)
        raise TransferError(_explain(exc, target, "forwarded" if ringing else "transferred")) from exc
    return transfer


def _consult_device(resource: Resource, session: rc.Session) -> str:
    """The device the caller is held on, where the consult call starts too."""
    if resource.answer_on == Resource.AnswerOn.BROWSER:
        device_id = webphone_device_id(resource)
        if not device_id:
            raise TransferError("Your browser phone is not ready: reload the page, then ask again.")
        return device_id
    device_id = softphone_device_id(resource, session) if resource.answer_on == Resource.AnswerOn.PC else ""
    if not device_id:
        devices = rc.list_devices(session, resource.ringcentral_extension_id or "~")
        device_id = next((d.id for d in devices if d.status.lower() != "offline"), "")
    if not device_id:
        raise TransferError("RingCentral lists no phone of yours to call your colleague from.")
    return device_id


def _expect_consult(transfer: Transfer, call: Call, resource: Resource) -> Call:
    """Our party of the consult call, made before RingCentral is asked (its first events can come
    before RingCentral's answer): the call-out claimer links it by its first event, like a call
    dialled from Arcadium. It shows inside the wizard of the call it is for, never on its own."""
    with transaction.atomic():
        return Call.objects.create(
            entity_id=call.entity_id,
            resource=resource,
            direction=Call.Direction.OUTBOUND,
            state=Call.State.DIALLING,
            to_number=transfer.to_number,
            to_name=transfer.to_resource.display_name if transfer.to_resource else "",
            extension_id=resource.ringcentral_extension_id,
            started_at=timezone.now(),
            transfer=transfer,
        )


def ask_first(*, call: Call, resource: Resource, target: Target) -> Transfer:
    """Hold the caller and call the target from the same device (the consult call)."""
    _check_live(call)
    if call.state not in ANSWERED:
        raise TransferError("Answer the call first: you can ask a colleague once you are talking.")
    transfer = _new_transfer(call=call, by=resource, kind=Transfer.Kind.WARM, target=target)
    consult = _expect_consult(transfer, call, resource)
    ids = {"telephony_session_id": call.telephony_session_id, "party_id": call.party_id}
    try:
        with rc.session_for(resource) as session:
            if call.state != Call.State.ON_HOLD:
                rc.hold(session, **ids)
            device_id = _consult_device(resource, session)
            dest = {"to_extension_number": target.extension_number, "to_number": target.number}
            placed = rc.call_out(session, device_id=device_id, **dest)
    except (rc.RingCentralError, TransferError) as exc:
        Call.objects.filter(pk=consult.pk, telephony_session_id="").delete()
        _undo(transfer)
        if isinstance(exc, TransferError):
            raise
        raise TransferError(_explain(exc, target, "asked")) from exc
    ours = next((p for p in placed.parties if p.extension_id == resource.ringcentral_extension_id), None)
    _record_consult(transfer, consult, session_id=placed.id, party_id=ours.id if ours else "")
    return transfer


def _record_consult(transfer: Transfer, consult: Call, *, session_id: str, party_id: str) -> None:
    """Remember the consult session; link the rows its events may have made before we knew it.
    Each statement its own transaction, one existing row each (see the lock rule above)."""
    with transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(
            consult_session_id=session_id, consult_party_id=party_id
        )
    transfer.consult_session_id, transfer.consult_party_id = session_id, party_id
    try:
        with transaction.atomic():
            Call.objects.filter(pk=consult.pk, telephony_session_id="").update(
                telephony_session_id=session_id, party_id=party_id
            )
    except IntegrityError:  # its events came first and made their own row: keep that one
        Call.objects.filter(pk=consult.pk, telephony_session_id="").delete()
    legs = Call.objects.filter(entity_id=transfer.entity_id, telephony_session_id=session_id, transfer=None)
    for pk in legs.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            Call.objects.filter(pk=pk, transfer=None).update(transfer=transfer, updated_at=timezone.now())


def _current_warm(call: Call) -> Transfer:
    transfer = call.transfer
    if transfer is None or transfer.kind != Transfer.Kind.WARM or transfer.call_id != call.pk:
        raise TransferError("There is no colleague on the line for this call.")
    return transfer


def complete_transfer(*, call: Call, resource: Resource) -> Transfer:
    """Complete transfer: RingCentral joins the held caller with the colleague (bridge)."""
    _check_live(call)
    transfer = _current_warm(call)
    if not transfer.consult_session_id or not transfer.consult_party_id:
        raise TransferError(f"{transfer.to_label} has not been reached yet. Wait a moment.")
    ours, _ = consult_calls(transfer)
    if ours is not None and ours.is_ended:  # RingCentral would only say the state is wrong
        raise TransferError(
            f"The call with {transfer.to_label} has ended: go back to the caller, or ask again."
        )
    target = Target(label=transfer.to_label)
    expected = _expect_colleague(transfer, call)
    try:
        with rc.session_for(resource) as session:
            rc.bridge(
                session,
                telephony_session_id=call.telephony_session_id,
                party_id=call.party_id,
                consult_session_id=transfer.consult_session_id,
                consult_party_id=transfer.consult_party_id,
            )
    except rc.RingCentralError as exc:
        if expected is not None:
            Call.objects.filter(pk=expected.pk, party_sequences={}).delete()
        raise TransferError(_explain(exc, target, "complete")) from exc
    return transfer


def back_to_caller(*, call: Call, resource: Resource) -> None:
    """Back to caller: end the consult call if it is still on, and take the caller off hold."""
    _check_live(call)
    transfer = _current_warm(call)
    ours, _ = consult_calls(transfer)
    ids = {"telephony_session_id": call.telephony_session_id, "party_id": call.party_id}
    try:
        with rc.session_for(resource) as session:
            if ours is not None and ours.is_live and transfer.consult_session_id:
                with contextlib.suppress(rc.NotFound):  # over already: its end event is on its way
                    rc.drop(session, telephony_session_id=transfer.consult_session_id)
            if call.state == Call.State.ON_HOLD:
                rc.unhold(session, **ids)
    except rc.RingCentralError as exc:
        raise TransferError(_explain(exc, Target(label=transfer.to_label), "taken back")) from exc


def hang_up_consult(*, call: Call, resource: Resource) -> None:
    """End the consult call only; the caller stays on hold (Back to caller takes them back)."""
    transfer = _current_warm(call)
    if not transfer.consult_session_id:
        raise TransferError(f"{transfer.to_label} has not been reached yet. Wait a moment.")
    try:
        with rc.session_for(resource) as session:
            rc.drop(session, telephony_session_id=transfer.consult_session_id)
    except rc.NotFound:
        return  # over already
    except rc.RingCentralError as exc:
        raise TransferError(_explain(exc, Target(label=transfer.to_label), "hung up")) from exc
