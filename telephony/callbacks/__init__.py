"""The team's callback queue: missed calls and voicemail become shared, owned, self-closing items
with a response-time promise. Hooked into the lower layers through their registries
(`CallbacksConfig.ready`): ingest's call and notification listeners, the wizard's context, the
live heartbeat and the account page's tabs."""
