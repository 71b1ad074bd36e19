def current_entity(request) -> dict:
    return {
        "current_entity": getattr(request, "entity", None),
        "current_resource": getattr(request, "resource", None),
    }
