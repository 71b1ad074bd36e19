from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from crm.access import EntityRequest, entity_required, get_contact_for_user, get_customer_for_user
from crm.search import search_customers
from crm.tabs import account_tabs


@entity_required
def customer_list(request: EntityRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    customers = search_customers(entity=request.entity, query=query).prefetch_related("phone_numbers")
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    context = {"page": page, "query": query}
    template = "crm/customer_list.html#results" if request.htmx else "crm/customer_list.html"
    return render(request, template, context)


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
