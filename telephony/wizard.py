"""The incoming-call wizard: who is calling, pushed to every tab of the staff member it rings for.

On the first ringing event of an inbound call for a listening resource the caller's number is
matched (`crm.phones.find_callers`: customers first, then contacts) and the whole wizard is
pushed; every later change pushes only the parts that change (status, buttons), so what the user
is typing in the notes or the tab they are on is never replaced.
"""

from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from crm.models import Contact, Customer, Resource
from crm.phones import CallerMatch, display, find_callers
from telephony import push
from telephony.models import Call

WIZARD = "telephony/wizard.html"


@dataclass(frozen=True)
class Colleague:
    resource: Resource

    @property
    def label(self) -> str:
        number = self.resource.ringcentral_extension_number
        return f"{self.resource.display_name}" + (f" (ext. {number})" if number else "")


def colleague_for(call: Call) -> Colleague | None:
    if not call.other_extension_id:
        return None
    resource = (
        Resource.objects.filter(entity_id=call.entity_id, ringcentral_extension_id=call.other_extension_id)
        .exclude(pk=call.resource_id)
        .first()
    )
    return Colleague(resource) if resource else None


def _record_matches(call: Call) -> list[CallerMatch]:
    if call.direction != Call.Direction.INBOUND or not call.from_number:
        return []
    return find_callers(call.entity, call.from_number)


def apply_match(call: Call, match: CallerMatch) -> None:
    call.customer = match.customer
    call.contact = match.contact
    call.matched_on = match.source


def _note(call: Call):
    from callreports.models import CallNote

    return (
        CallNote.objects.filter(call=call)
        .select_related("updated_by__resource", "created_by__resource")
        .first()
    )


def wizard_context(
    call: Call,
    *,
    matches: list[CallerMatch] | None = None,
    oob: bool = False,
    fresh: bool = False,
    full: bool = True,
) -> dict:
    """Everything the wizard template needs, computed once per render (`fresh`: a call that just
    started ringing, so it has no notes yet: saves a query on the hot path)."""
    resource = call.resource
    colleague = colleague_for(call)
    if matches is None:
        matches = [] if (call.customer_id or colleague) else _record_matches(call)
    return {
        "call": call,
        "resource": resource,
        "caller_display": display(call.caller_number)
        if call.caller_number.startswith("+")
        else call.caller_number,
        "colleague": colleague,
        "matches": matches if len(matches) > 1 and not call.customer_id else [],
        "record": call.contact or call.customer,
        "customer": call.customer,
        "contact": call.contact,
        "answer_on_pc": resource is not None and resource.answer_on == Resource.AnswerOn.PC,
        "ringer_on": resource is not None and resource.ringer_on,
        "close_on_hangup": resource is not None and resource.close_wizard_on_hangup,
        "click_to_dial": _listening(resource),  # an ended call's number calls back
        "oob": oob,
        "note": None if fresh else _note(call),
        "report_url": _report_url(call),
        "lookup": None,
        **(
            {}
            if fresh or call.customer_id or colleague or len(matches) > 1
            else _lookup_context(call, full=full)
        ),
    }


def _lookup_context(call: Call, *, full: bool) -> dict:
    """An unknown caller's wizard drawn again (another tab, a reconnect) shows what the reverse
    lookup already found instead of "lookup running"."""
    from telephony import reverse_lookup

    if full:
        context = reverse_lookup.lookup_region_context(call)
        return {key: context[key] for key in context if key not in ("call", "oob")}
    outcome = reverse_lookup.cached_lookup(
        entity_id=call.entity_id, number=call.caller_number, default_region=call.entity.default_region
    )
    return {"lookup": outcome}


def _report_url(call: Call) -> str:
    """Where the Call Report tab loads its form from, once the call reports feature is installed."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("callreports-call-report", args=[call.pk])
    except NoReverseMatch:
        return ""


def render_wizard(call: Call, **context) -> str:
    return render_to_string(f"{WIZARD}#wizard", wizard_context(call, **context))


def render_live_parts(call: Call) -> str:
    """The regions that follow RingCentral's events (status line and buttons), as OOB swaps."""
    context = wizard_context(call, oob=True, full=False)
    return render_to_string(f"{WIZARD}#status", context) + render_to_string(f"{WIZARD}#controls", context)


def _listening(resource: Resource | None) -> bool:
    return resource is not None and resource.ringcentral_enabled and resource.ringcentral_on


def call_changed(call: Call, rang_first_time: bool) -> None:
    """events.call_listeners hook: pop the wizard on the first ring, then keep it current."""
    resource = call.resource
    if resource is None:
        return
    if rang_first_time and call.direction == Call.Direction.INBOUND and _listening(resource):
        pop_up(call)
    elif call.popped_up_at is not None:
        push.send_html(user_id=resource.user_id, html=render_live_parts(call))


def pop_up(call: Call) -> None:
    """Match the caller, remember the match on the call, push the wizard to the user's tabs."""
    matches = [] if colleague_for(call) else _record_matches(call)
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
        html = render_to_string(f"{WIZARD}#new", wizard_context(call, matches=matches, fresh=True))
        push.send_html(user_id=call.resource.user_id, html=html)
        if not matches and not call.other_extension_id:
            _start_reverse_lookup(call)


def _start_reverse_lookup(call: Call) -> None:
    try:
        from telephony.tasks import reverse_lookup_task
    except ImportError:  # the lookup task ships with the unknown-callers feature
        return
    transaction.on_commit(lambda: reverse_lookup_task.delay(call.pk), robust=True)


def choose_match(*, call: Call, kind: str, pk: int) -> bool:
    """The user picked one of several matching records; remember it on the call."""
    matches = _record_matches(call)
    chosen = next((m for m in matches if m.kind == kind and m.record.pk == pk), None)
    if chosen is None:
        return False
    apply_match(call, chosen)
    call.save(update_fields=["customer", "contact", "matched_on", "updated_at"])
    return True


def customer_of(record: Customer | Contact | None) -> Customer | None:
    if isinstance(record, Contact):
        return record.customer
    return record
