"""RingCentral errors in words a staff member can act on: one rule for every screen."""

from telephony import ringcentral as rc


def explain(exc: rc.RingCentralError, *, failed: str, refused: str) -> str:
    """A sentence for `exc`. `failed` says what did not happen ("the call was not placed"),
    `refused` what RingCentral would not do ("place this call")."""
    if isinstance(exc, rc.RateLimited):
        return f"RingCentral asks us to slow down. Try again in {int(exc.retry_after) or 1} seconds."
    if isinstance(exc, rc.AuthExpired):
        return "Your RingCentral authorization has expired. Click the red phone icon to authorize again."
    if isinstance(exc, rc.RingCentralUnavailable):
        return f"RingCentral is not answering right now, so {failed}. Try again in a moment."
    if isinstance(exc, rc.NotFound):
        return "This call has already ended."
    detail = exc.message.split("]", 1)[-1].strip() if "]" in exc.message else ""
    return f"RingCentral refused to {refused}" + (f": {detail}" if detail else ".")
