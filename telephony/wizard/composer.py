"""The one place that renders the call wizard and pushes it to a staff member's tabs.

Every fragment comes from `telephony/wizard.html`: the pop-up (`#new`, appended to every tab),
the live parts that follow RingCentral's events (`#status`, `#controls`), the record region after
a choice (`#main`), the reverse-lookup region (`telephony/_lookup.html`) and the close
(`#closed`). Views and services call the functions here; nothing else renders or pushes a wizard.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from crm.create_from_caller import panel_context
from crm.models import Resource
from crm.numbers import display
from crm.phones import CallerMatch
from telephony.live import push
from telephony.models import Call
from telephony.wizard import reverse_lookup
from telephony.wizard.matching import colleague_for, record_matches
from telephony.wizard.reverse_lookup import LookupOutcome

WIZARD = "telephony/wizard.html"
LOOKUP = "telephony/_lookup.html"

# Apps above telephony add to the wizard's context (call reports add the call's shared note):
# (call, fresh) -> extra context; `fresh` is a call that just started, with nothing of its own yet.
context_providers: list[Callable[[Call, bool], dict]] = []


def _listening(resource: Resource | None) -> bool:
    return resource is not None and resource.ringcentral_enabled and resource.ringcentral_on


def _report_url(call: Call) -> str:
    """Where the Call Report tab loads its form from, once the call reports feature is installed."""
    try:
        return reverse("callreports-call-report", args=[call.pk])
    except NoReverseMatch:
        return ""


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
        matches = [] if (call.customer_id or colleague) else record_matches(call)
    context = {
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
        "note": None,
        "report_url": _report_url(call),
        "lookup": None,
    }
    for provider in context_providers:
        context.update(provider(call, fresh))
    if not (fresh or call.customer_id or colleague or len(matches) > 1):
        context.update(_lookup_context(call, full=full))
    return context


def _lookup_context(call: Call, *, full: bool) -> dict:
    """An unknown caller's wizard drawn again (another tab, a reconnect) shows what the reverse
    lookup already found instead of "lookup running"."""
    if full:
        context = lookup_region_context(call)
        return {key: context[key] for key in context if key not in ("call", "oob")}
    outcome = reverse_lookup.cached_lookup(
        entity_id=call.entity_id, number=call.caller_number, default_region=call.entity.default_region
    )
    return {"lookup": outcome}


def lookup_region_context(
    call: Call, *, outcome: LookupOutcome | None = None, retrying: bool = False, oob: bool = False
) -> dict:
    """Context of the lookup region: the answer with the create-from-caller panel, or "running"."""
    if outcome is None and not retrying:
        outcome = reverse_lookup.cached_lookup(
            entity_id=call.entity_id, number=call.caller_number, default_region=call.entity.default_region
        )
    context = {"call": call, "lookup": outcome, "retrying": retrying, "oob": oob}
    if outcome is not None and not retrying:
        context.update(panel_context(entity=call.entity, call=call, lookup=outcome))
    return context


# -- HTML ---------------------------------------------------------------------------------------


def wizard_html(call: Call, *, request: HttpRequest | None = None) -> str:
    """The whole wizard (reopened from recent calls)."""
    return render_to_string(f"{WIZARD}#wizard", wizard_context(call), request=request)


def popup_html(call: Call, *, matches: list[CallerMatch] | None = None, fresh: bool = False) -> str:
    """The wizard appended to a tab's wizards."""
    return render_to_string(f"{WIZARD}#new", wizard_context(call, matches=matches, fresh=fresh))


def live_parts_html(call: Call) -> str:
    """The regions that follow RingCentral's events (status line and buttons), as OOB swaps."""
    context = wizard_context(call, oob=True, full=False)
    return render_to_string(f"{WIZARD}#status", context) + render_to_string(f"{WIZARD}#controls", context)


def lookup_html(call: Call, *, outcome: LookupOutcome | None, retrying: bool = False) -> str:
    """The wizard's lookup region for a call, swapped in by its id."""
    return render_to_string(LOOKUP, lookup_region_context(call, outcome=outcome, retrying=retrying, oob=True))


# -- pushes to the call's staff member ----------------------------------------------------------


def _push(call: Call, html: str) -> None:
    if call.resource is not None:
        push.send_html(user_id=call.resource.user_id, html=html)


def push_popup(call: Call, *, matches: list[CallerMatch] | None = None) -> None:
    """A new call: its wizard opens in every tab (inbound pop-up or a call the user placed)."""
    _push(call, popup_html(call, matches=matches, fresh=True))


def push_live_parts(call: Call) -> None:
    _push(call, live_parts_html(call))


def push_chosen(call: Call) -> None:
    """The record was chosen (or created from the caller): record region and status line."""
    context = wizard_context(call, oob=True)
    _push(call, render_to_string(f"{WIZARD}#main", context) + render_to_string(f"{WIZARD}#status", context))


def push_closed(call: Call) -> None:
    """The wizard closes in every tab (hang-up with "Close wizard on hang-up")."""
    _push(call, render_to_string(f"{WIZARD}#closed", {"call": call}))


def push_lookup(call: Call, *, outcome: LookupOutcome | None, retrying: bool = False) -> None:
    _push(call, lookup_html(call, outcome=outcome, retrying=retrying))
