"""The one place that renders the call wizard and pushes it to a staff member's tabs.

Every fragment comes from `telephony/wizard.html`: the pop-up (`#new`, appended to every tab),
the live parts that follow RingCentral's events (`#status`, `#controls`), the record region after
a choice (`#main`), the reverse-lookup region (`telephony/_lookup.html`) and the close
(`#closed`). Views and services call the functions here; nothing else renders or pushes a wizard.
"""

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from arcadium import prepared
from crm.create_from_caller import panel_context
from crm.models import Resource
from crm.numbers import display, home_region
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


# What a call's wizard shows live, in the order call_version reads it.
VERSIONED = (
    "state",
    "muted",
    "answered_at",
    "ended_at",
    "result",
    "customer_id",
    "contact_id",
    "lookup_outcome",
)


def call_version(call: Call) -> str:
    """A short fingerprint of what a call's wizard shows live: the tab compares it with the
    heartbeat's (telephony.live.consumers) and re-syncs when a push was lost."""
    return _version([getattr(call, name) for name in VERSIONED])


def _version(values: Sequence[Any]) -> str:
    """The fingerprint of a call's VERSIONED values."""
    state, muted, answered_at, ended_at, result, customer_id, contact_id, lookup_outcome = values

    def stamp(when: datetime | None) -> str:
        return f"{when.timestamp():.6f}" if when else ""

    facts = (
        str(state),  # a choice member right after a change, a plain str once read back
        bool(muted),
        stamp(answered_at),
        stamp(ended_at),
        str(result),
        customer_id,
        contact_id,
        bool(lookup_outcome),
    )
    return hashlib.blake2s(repr(facts).encode(), digest_size=4).hexdigest()


def live_call_versions(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Heartbeat provider: "pk:version" of every live call whose wizard each user's tabs show
    (one prepared statement reading only the columns the version reads: this runs every second
    for a fifth of a web process's sockets)."""
    of_users, users = prepared.any_of("r.user_id", user_ids)
    shown: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    for pk, owner_id, *values in prepared.fetch_all(_live_versions_sql(of_users), users):
        # Converted as the fields read them (SQLite's dates are text).
        shown[owner_id].append(f"{pk}:{_version(prepared.converted(Call, VERSIONED, values))}")
    return {user_id: {"calls": " ".join(versions)} for user_id, versions in shown.items()}


@cache
def _live_versions_sql(of_users: str) -> str:
    column_of = {f.attname: f.column for f in Call._meta.concrete_fields}
    columns = ", ".join(f'c."{column_of[name]}"' for name in VERSIONED)
    # The live states written out, as in the partial index call_live_popped_idx (a bound array
    # would keep a prepared statement's generic plan from using it).
    live = ", ".join(f"'{state}'" for state in Call.LIVE_STATES)
    # Identifiers come from model metadata and the states from code; values are bound parameters.
    return (
        f"SELECT c.id, r.user_id, {columns} FROM {Call._meta.db_table} c "  # noqa: S608
        f"JOIN {Resource._meta.db_table} r ON r.id = c.resource_id "
        f"WHERE {of_users} AND c.popped_up_at IS NOT NULL AND c.state IN ({live}) ORDER BY c.id"
    )


def _listening(resource: Resource | None) -> bool:
    return resource is not None and resource.ringcentral_active


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
        # The record region of a matched call lists the other records on the number ("Also on
        # this number"); the live parts (status, buttons) need no matches at all.
        wanted = not colleague and (full or not call.customer_id)
        matches = record_matches(call) if wanted else []
    context = {
        "call": call,
        "resource": resource,
        "caller_display": display(call.caller_number),
        "colleague": colleague,
        "matches": matches if len(matches) > 1 and not call.customer_id else [],
        "also_on_number": _also_on_number(call, matches),
        "record": call.contact or call.customer,
        "customer": call.customer,
        "contact": call.contact,
        "answer_on_pc": resource is not None and resource.answer_on == Resource.AnswerOn.PC,
        "answer_in_browser": resource is not None and resource.answer_on == Resource.AnswerOn.BROWSER,
        "ringer_on": resource is not None and resource.ringer_on,
        "close_on_hangup": resource is not None and resource.close_wizard_on_hangup,
        "click_to_dial": _listening(resource),  # an ended call's number calls back
        "oob": oob,
        "note": None,
        "report_url": _report_url(call),
        "lookup": None,
        "version": call_version(call),
    }
    for provider in context_providers:
        context.update(provider(call, fresh))
    if not (fresh or call.customer_id or colleague or len(matches) > 1):
        context.update(_lookup_context(call, full=full))
    return context


def _also_on_number(call: Call, matches: list[CallerMatch]) -> list[CallerMatch]:
    """The other records on the number a matched call came from, one click from being the match."""
    if not call.customer_id:
        return []
    current = ("contact", call.contact_id) if call.contact_id else ("customer", call.customer_id)
    return [m for m in matches if (m.kind, m.record.pk) != current]


def _lookup_context(call: Call, *, full: bool) -> dict:
    """An unknown caller's wizard drawn again (another tab, a reconnect) shows what the reverse
    lookup already found instead of "lookup running"."""
    if full:
        context = lookup_region_context(call)
        return {key: context[key] for key in context if key not in ("call", "oob")}
    return {"lookup": known_lookup(call)}


def known_lookup(call: Call) -> LookupOutcome | None:
    """What the reverse lookup found for the call: kept on the call, else the cache."""
    if call.lookup_outcome:
        return LookupOutcome.from_cache(call.lookup_outcome)
    return reverse_lookup.cached_lookup(
        entity_id=call.entity_id, number=call.caller_number, default_region=call.entity.default_region
    )


def lookup_region_context(
    call: Call, *, outcome: LookupOutcome | None = None, retrying: bool = False, oob: bool = False
) -> dict:
    """Context of the lookup region: the answer with the create-from-caller panel, or "running"."""
    if outcome is None and not retrying:
        outcome = known_lookup(call)
    context = {"call": call, "lookup": outcome, "retrying": retrying, "oob": oob}
    if outcome is not None and not retrying:
        context.update(panel_context(entity=call.entity, call=call, lookup=outcome))
    return context


# -- HTML ---------------------------------------------------------------------------------------
# Rendered in the call's company's country, so numbers show nationally at home on every path
# (a webhook or a task has no signed-in user to take it from).


def wizard_html(call: Call, *, request: HttpRequest | None = None) -> str:
    """The whole wizard (reopened from recent calls)."""
    with home_region(call.entity.default_region):
        return render_to_string(f"{WIZARD}#wizard", wizard_context(call), request=request)


def popup_html(call: Call, *, matches: list[CallerMatch] | None = None, fresh: bool = False) -> str:
    """The wizard appended to a tab's wizards."""
    with home_region(call.entity.default_region):
        return render_to_string(f"{WIZARD}#new", wizard_context(call, matches=matches, fresh=fresh))


def live_parts_html(call: Call) -> str:
    """The regions that follow RingCentral's events (status line and buttons), as OOB swaps."""
    with home_region(call.entity.default_region):
        context = wizard_context(call, oob=True, full=False)
        return render_to_string(f"{WIZARD}#status", context) + render_to_string(f"{WIZARD}#controls", context)


def resync_html(call: Call) -> str:
    """A tab catching up on a wizard it has: the live parts, and the lookup's answer if it came
    while the tab could not be told."""
    html = live_parts_html(call)
    if call.lookup_outcome and not (call.customer_id or call.contact_id):
        html += lookup_html(call, outcome=known_lookup(call))
    return html


def lookup_html(call: Call, *, outcome: LookupOutcome | None, retrying: bool = False) -> str:
    """The wizard's lookup region for a call, swapped in by its id."""
    with home_region(call.entity.default_region):
        context = lookup_region_context(call, outcome=outcome, retrying=retrying, oob=True)
        return render_to_string(LOOKUP, context)


def chosen_html(call: Call) -> str:
    """The record region and status line after a choice."""
    with home_region(call.entity.default_region):
        context = wizard_context(call, oob=True)
        return render_to_string(f"{WIZARD}#main", context) + render_to_string(f"{WIZARD}#status", context)


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
    _push(call, chosen_html(call))


def push_closed(call: Call) -> None:
    """The wizard closes in every tab (hang-up with "Close wizard on hang-up")."""
    _push(call, render_to_string(f"{WIZARD}#closed", {"call": call}))


def push_lookup(call: Call, *, outcome: LookupOutcome | None, retrying: bool = False) -> None:
    _push(call, lookup_html(call, outcome=outcome, retrying=retrying))


# -- regions other capabilities add to the wizard (e.g. the transfer region) --------------------


def fragment_html(call: Call, template: str, context: dict, *, request: HttpRequest | None = None) -> str:
    """A wizard region another capability owns, rendered like the rest (numbers at home)."""
    with home_region(call.entity.default_region):
        return render_to_string(template, {"call": call, **context}, request=request)


def push_fragment(call: Call, template: str, context: dict) -> None:
    _push(call, fragment_html(call, template, {**context, "oob": True}))
