from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from crm.access import EntityRequest, entity_required, get_contact_for_user, get_customer_for_user
from crm.models import Customer
from crm.search import MAX_RESULTS, matching_customer_ids, search_customers, why_matched
from crm.tabs import account_tabs


@entity_required
def customer_list(request: EntityRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    context = _search_results(request, query) if query.strip() else _all_customers(request)
    template = "crm/customer_list.html#results" if request.htmx else "crm/customer_list.html"
    return render(request, template, {**context, "query": query})


def _all_customers(request: EntityRequest) -> dict:
    customers = search_customers(entity=request.entity, query="").prefetch_related("phone_numbers")
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    return {"page": page, "rows": [(customer, None) for customer in page.object_list]}


def _search_results(request: EntityRequest, query: str) -> dict:
    """A page of matches, each with why it matched (the contact or number found)."""
    ids = matching_customer_ids(entity=request.entity, query=query)
    page = Paginator(ids, 25).get_page(request.GET.get("page"))
    listed = Customer.objects.filter(pk__in=list(page.object_list)).prefetch_related("phone_numbers")
    by_pk = {customer.pk: customer for customer in listed}
    customers = [by_pk[pk] for pk in page.object_list if pk in by_pk]
    why = why_matched(entity=request.entity, query=query, customers=customers)
    rows = [(customer, why.get(customer.pk)) for customer in customers]
    return {"page": page, "rows": rows, "capped": len(ids) == MAX_RESULTS}


@entity_required
def customer_detail(request: EntityRequest, pk: int) -> HttpResponse:
    customer = get_customer_for_user(request, pk)
    contacts = customer.contacts.filter(is_active=True).prefetch_related("phone_numbers")
    context = {
        "customer": customer,
        "contacts": contacts,
        "phones": customer.phone_numbers.all(),
        "tab": "overview",
        "account_tabs": account_tabs(customer),
    }
    return render(request, "crm/customer_detail.html", context)


@entity_required
def customer_contacts(request: EntityRequest, pk: int) -> HttpResponse:
    customer = get_customer_for_user(request, pk)
    contacts = customer.contacts.all().prefetch_related("phone_numbers")
    context = {
        "customer": customer,
        "contacts": contacts,
        "tab": "contacts",
        "account_tabs": account_tabs(customer),
    }
    template = "crm/customer_detail.html#tab-body" if request.htmx else "crm/customer_detail.html"
    return render(request, template, context)


@entity_required
def contact_detail(request: EntityRequest, pk: int) -> HttpResponse:
    contact = get_contact_for_user(request, pk)
    return render(
        request, "crm/contact_detail.html", {"contact": contact, "phones": contact.phone_numbers.all()}
    )
