"""Django admin, split by company.

Superusers see everything. Anyone else who reaches the admin sees only their own company's rows on
every registered model: changelists, search, list filters, autocomplete, foreign-key and
many-to-many choices, inlines. A model with no way to its company (auth groups, django-axes'
records) is not theirs at all. Company admins normally never need this: their pages are in
the app (Staff & RingCentral, the connector page, the audit log).

The site wraps every ModelAdmin at registration, so an app registering a model later cannot forget.
"""

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models

ENTITY_MODEL = "crm.Entity"
# Paths to the company that the forward-key search below cannot find.
EXPLICIT_PATHS = {settings.AUTH_USER_MODEL.lower(): "resource__entity"}
# On a user, what only a superuser may touch: granting these would escape the company.
PRIVILEGED_USER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def entity_path(model: Any, depth: int = 3) -> str | None:
    """The lookup from `model` to its company's id ("entity", "connector__entity", "pk"), or None."""
    entity_model = apps.get_model(ENTITY_MODEL)
    if model is entity_model:
        return "pk"
    if model._meta.label_lower in EXPLICIT_PATHS:
        return EXPLICIT_PATHS[model._meta.label_lower]
    try:
        field = model._meta.get_field("entity_id")
        if isinstance(field, models.IntegerField):  # a plain id (the audit log)
            return "entity_id"
    except FieldDoesNotExist:
        pass
    relations = [
        f
        for f in model._meta.get_fields()
        if f.concrete and (f.many_to_one or f.one_to_one) and f.related_model
    ]
    for field in relations:
        if field.related_model is entity_model:
            return field.name
    if depth > 1:
        for field in relations:
            if field.related_model is model or field.null:
                continue
            rest = entity_path(field.related_model, depth - 1)
            if rest is not None and rest != "pk":
                return f"{field.name}__{rest}"
    return None


def scope(queryset: models.QuerySet, request: Any) -> models.QuerySet:
    """`queryset` cut down to the requesting user's company (everything for a superuser)."""
    if request.user.is_superuser:
        return queryset
    entity = getattr(request, "entity", None)
    path = entity_path(queryset.model)
    if entity is None or path is None:
        return queryset.none()
    return queryset.filter(**{path: entity.pk})


def _scoped_field(formfield: Any, request: Any) -> Any:
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.queryset = scope(formfield.queryset, request)
    return formfield


# For the type checker the mixin is a ModelAdmin; at run time it sits before the real one.
_Base: Any = admin.ModelAdmin if TYPE_CHECKING else object


class CompanyScopedMixin(_Base):
    """Mixed into every ModelAdmin and inline the site registers."""

    model: Any

    def get_queryset(self, request: Any) -> Any:
        return scope(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        return _scoped_field(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        return _scoped_field(super().formfield_for_manytomany(db_field, request, **kwargs), request)

    def _foreign_to_company(self, request: Any) -> bool:
        return not request.user.is_superuser and entity_path(self.model) is None

    def has_module_permission(self, request: Any) -> bool:
        return not self._foreign_to_company(request) and super().has_module_permission(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return not self._foreign_to_company(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        if self._foreign_to_company(request) or (
            not request.user.is_superuser and self.model is apps.get_model(ENTITY_MODEL)
        ):
            return False
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return not self._foreign_to_company(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return not self._foreign_to_company(request) and super().has_delete_permission(request, obj)

    def get_list_filter(self, request: Any) -> Any:
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        # A related-field filter lists every row of the related model; offer only those in use here.
        return [_related_only(self.model, item) for item in filters]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and self.model._meta.label_lower == settings.AUTH_USER_MODEL.lower():
            fields += [f for f in PRIVILEGED_USER_FIELDS if f not in fields]
        return fields

    def get_inline_instances(self, request: Any, obj: Any = None) -> Any:
        instances = super().get_inline_instances(request, obj)
        for inline in instances:
            if not isinstance(inline, CompanyScopedMixin):
                inline.__class__ = scoped_class(type(inline))
        return instances


def _related_only(model: Any, item: Any) -> Any:
    if not isinstance(item, str):
        return item
    try:
        field = get_fields_from_path(model, item)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return item
    return (item, admin.RelatedOnlyFieldListFilter) if field.is_relation else item


_scoped_classes: dict[type, type] = {}


def scoped_class(admin_class: type) -> type:
    if issubclass(admin_class, CompanyScopedMixin):
        return admin_class
    if admin_class not in _scoped_classes:
        _scoped_classes[admin_class] = type(
            f"CompanyScoped{admin_class.__name__}", (CompanyScopedMixin, admin_class), {}
        )
    return _scoped_classes[admin_class]


class CompanyAdminSite(admin.AdminSite):
    site_header = "Arcadium administration"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        super().register(model_or_iterable, scoped_class(admin_class or admin.ModelAdmin), **options)


class ArcadiumAdminConfig(AdminConfig):
    default_site = "arcadium.admin_site.CompanyAdminSite"
