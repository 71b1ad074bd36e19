class VoiceControl:
    """Control methods for the voice app (owned by the voice app's author)."""
