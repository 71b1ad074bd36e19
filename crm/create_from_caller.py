"""Create a customer, or a contact under a chosen customer, from an unknown caller's number.

One click in the call wizard: the record is pre-filled with the number (as a PhoneNumber, so
`find_callers` matches the next call) and with what the reverse lookup found (the name). The call
that prompted it is then matched to the new record, as if it had been known when it rang.
"""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from crm.models import Contact, Customer, Entity, PhoneNumber
from crm.numbers import normalize
from crm.phones import find_callers
from crm.search import search_customers

CUSTOMER, CONTACT = "customer", "contact"


class CreateFromCallerForm(forms.Form):
    kind = forms.ChoiceField(
        label="Create",
        choices=[(CONTACT, "A contact of a customer"), (CUSTOMER, "A new customer")],
        initial=CONTACT,
        widget=forms.RadioSelect,
    )
    number = forms.CharField(max_length=64, widget=forms.HiddenInput)
    label = forms.ChoiceField(label="Number type", choices=PhoneNumber.Label.choices)
    customer_name = forms.CharField(label="Customer name", max_length=200, required=False)
    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    customer = forms.ModelChoiceField(
        label="Customer",
        queryset=Customer.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of your company's customers."},
    )

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        cast(forms.ModelChoiceField, self.fields["customer"]).queryset = Customer.objects.for_entity(
            entity
        ).active()

    def clean_number(self) -> str:
        return normalize(self.cleaned_data["number"], self.entity.default_region).e164

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("kind") == CUSTOMER and not data.get("customer_name", "").strip():
            self.add_error("customer_name", "Give the new customer a name.")
        if data.get("kind") == CONTACT:
            if not data.get("customer") and "customer" not in self.errors:
                self.add_error("customer", "Choose the customer this contact works for.")
            if not data.get("first_name", "").strip():
                self.add_error("first_name", "Give the contact a first name.")
        return data


def initial_for_caller(*, number: str, caller_name: str = "", line_type: str = "") -> dict:
    """What the form starts with: the number, the name the lookup found, a label that fits the line."""
    first, _, last = caller_name.strip().partition(" ")
    return {
        "number": number,
        "label": PhoneNumber.Label.MOBILE if line_type == "Mobile" else PhoneNumber.Label.MAIN,
        "customer_name": caller_name.strip(),
        "first_name": first,
        "last_name": last.strip(),
    }


def _unique_account_number(entity: Entity, e164: str) -> str:
    base = "T" + e164.lstrip("+")[-10:]
    taken = set(
        Customer.objects.for_entity(entity)
        .filter(account_number__startswith=base)
        .values_list("account_number", flat=True)
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _match_call(call: Any, entity: Entity, e164: str) -> None:
    matches = find_callers(entity, e164)
    if not matches:
        return
    # The record just created is the newest row: prefer it over an older match of the same number.
    match = max(matches, key=lambda m: m.phone.pk)
    call.customer, call.contact, call.matched_on = match.customer, match.contact, match.source
    call.save(update_fields=["customer", "contact", "matched_on", "updated_at"])


@transaction.atomic
def customer_create_from_caller(
    *, entity: Entity, number: str, name: str, label: str, call: Any = None
) -> Customer:
    """A new customer with the caller's number; the call (if any) is matched to it."""
    e164 = normalize(number, entity.default_region).e164
    _check_call(call, entity)
    customer = Customer.objects.create(
        entity=entity, name=name.strip(), account_number=_unique_account_number(entity, e164)
    )
    PhoneNumber.objects.create(entity=entity, customer=customer, raw=e164, label=label)
    if call is not None:
        _match_call(call, entity, e164)
    return customer


@transaction.atomic
def contact_create_from_caller(
    *, customer: Customer, number: str, first_name: str, last_name: str, label: str, call: Any = None
) -> Contact:
    """A new contact of `customer` with the caller's number; the call (if any) is matched to it."""
    entity = customer.entity
    e164 = normalize(number, entity.default_region).e164
    _check_call(call, entity)
    contact = Contact.objects.create(
        entity=entity, customer=customer, first_name=first_name.strip(), last_name=last_name.strip()
    )
    PhoneNumber.objects.create(entity=entity, contact=contact, raw=e164, label=label)
    if call is not None:
        _match_call(call, entity, e164)
    return contact


def _check_call(call: Any, entity: Entity) -> None:
    if call is not None and call.entity_id != entity.pk:
        raise ValidationError("This call belongs to another company.")


def create_from_form(*, form: CreateFromCallerForm, call: Any = None) -> Customer | Contact:
    """Create whichever record the (valid) form asks for."""
    data = form.cleaned_data
    if data["kind"] == CUSTOMER:
        return customer_create_from_caller(
            entity=form.entity,
            number=data["number"],
            name=data["customer_name"],
            label=data["label"],
            call=call,
        )
    return contact_create_from_caller(
        customer=data["customer"],
        number=data["number"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        label=data["label"],
        call=call,
    )


def form_for_call(*, call: Any, lookup: Any = None) -> CreateFromCallerForm:
    """The unbound form for a call's caller, pre-filled from a reverse-lookup outcome if there is one."""
    initial = initial_for_caller(
        number=call.caller_number,
        caller_name=getattr(lookup, "caller_name", "") or "",
        line_type=getattr(lookup, "line_type", "") or "",
    )
    return CreateFromCallerForm(entity=call.entity, initial=initial)


def panel_context(*, entity: Entity, call: Any = None, lookup: Any = None, form: Any = None) -> dict:
    """Context for `crm/_create_from_caller.html#panel` (the lookup partial includes it)."""
    if form is None:
        form = (
            form_for_call(call=call, lookup=lookup)
            if call is not None
            else CreateFromCallerForm(entity=entity)
        )
    return {"caller_form": form, "call": call, "customer_choices": customer_options(entity=entity)}


def customer_options(*, entity: Entity, query: str = "", limit: int = 30) -> QuerySet[Customer]:
    """The customers offered in the form's searchable select (by name, account or phone)."""
    return search_customers(entity=entity, query=query).only("pk", "name", "account_number")[:limit]
