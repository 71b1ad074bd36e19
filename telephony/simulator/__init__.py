"""A RingCentral-compatible server for development, demos and tests.

It runs as its own process on its own port (`python -m telephony.simulator`, or
`python manage.py run_simulator`), with its own settings and database, like the real
RingCentral is another host. Product code never imports this package; it reaches the simulator
only over HTTP and WebSocket through telephony/ringcentral.py and the official SDK.

Two Django apps live here:
- `platform` (label `sim_platform`): OAuth, account/extensions/devices, call log, recordings,
  the message store (voicemail with audio and transcription), rate limits, fault injection, the
  control API base and the console page.
- `voice` (label `sim_voice`): the telephony state machine (including voicemail: after N rings,
  on Do Not Disturb, on request), telephony-session and message notifications, webhook and
  WebSocket subscriptions, call control, presence.
"""
