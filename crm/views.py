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
    if query.strip():
        page = Paginator(matching_customer_ids(entity=request.entity, query=query), 25).get_page(
            request.GET.get("page")
        )
        listed = Customer.objects.filter(pk__in=page.object_list).prefetch_related("phone_numbers")
        page.object_list = sorted(listed, key=lambda customer: page.object_list.index(customer.pk))
        why = why_matched(entity=request.entity, query=query, customers=page.object_list)
        for customer in page.object_list:
            customer.why = why.get(customer.pk)
    else:
        customers = search_customers(entity=request.entity, query=query).prefetch_related("phone_numbers")
        page = Paginator(customers, 25).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "capped": len(page.paginator.object_list) == MAX_RESULTS}
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
