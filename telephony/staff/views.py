"""Staff & RingCentral pages: the company's staff list and one staff member's record."""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from crm.access import EntityRequest, View, entity_required
from crm.models import Resource
from telephony.staff.forms import StaffRingCentralForm
from telephony.staff.services import readiness, staff_ringcentral_save

STAFF_PERMISSION = "crm.change_resource"


def staff_admin_required(view: View) -> View:
    """Signed in, linked to a company, and allowed to change its staff records (403 otherwise)."""

    @entity_required
    @wraps(view)
    def wrapper(request: EntityRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(STAFF_PERMISSION):
            raise PermissionDenied("Only your company's administrators can change staff records.")
        return view(request, *args, **kwargs)

    return wrapper


def get_resource_for_admin(request: EntityRequest, pk: int) -> Resource:
    return get_object_or_404(Resource.objects.for_entity(request.entity).select_related("user"), pk=pk)


@staff_admin_required
@require_http_methods(["GET"])
def staff_list(request: EntityRequest) -> HttpResponse:
    staff = Resource.objects.for_entity(request.entity).select_related("user")
    return render(request, "telephony/staff/list.html", {"staff": staff, "nav": "staff"})


@staff_admin_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: EntityRequest, pk: int) -> HttpResponseBase:
    resource = get_resource_for_admin(request, pk)
    form = StaffRingCentralForm(request.POST or None, instance=resource)
    if request.method == "POST" and form.is_valid():
        staff_ringcentral_save(resource=resource, changes=form.cleaned_data, request=request)
        messages.success(request, f"Saved {resource.display_name}.")
        return redirect("telephony-staff-detail", pk=resource.pk)
    context = {"resource": resource, "form": form, "readiness": readiness(resource), "nav": "staff"}
    return render(request, "telephony/staff/detail.html", context, status=400 if form.errors else 200)
