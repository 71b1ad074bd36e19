"""The company's audit log, read-only, for whoever holds the view permission."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from arcadium.audit.models import AuditEvent

PAGE_SIZE = 50


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    entity = getattr(request, "entity", None)
    if entity is None:
        raise PermissionDenied("Your user is not linked to a company.")
    events = AuditEvent.objects.for_entity(entity.pk).select_related("actor")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/audit_log.html", {"page": page, "nav": "audit"})
