from django.http import HttpRequest


def current_entity(request: HttpRequest) -> dict:
    return {
        "current_entity": getattr(request, "entity", None),
        "current_resource": getattr(request, "resource", None),
    }
