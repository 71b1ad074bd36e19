class PlatformControl:
    """Control methods for the platform app (owned by the platform app's author)."""
