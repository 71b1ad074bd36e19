"""django-axes' lockout middleware, kept synchronous like every other middleware of the stack.

Axes' own class is async-capable. Placed last in a chain of sync middleware under ASGI, it makes
Django switch to async for it and back to sync for the view: two extra thread hops on every
request (the webhook door included). Sync-only, the whole chain runs in one worker thread.
"""

from axes.middleware import AxesMiddleware


class SyncAxesMiddleware(AxesMiddleware):
    async_capable = False
    sync_capable = True
