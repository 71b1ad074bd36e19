"""RingCentral's browser-phone side: `sip-provision`, a SIP registrar and call handling over a
secure WebSocket, and a far end that sends and receives real audio (aiortc).

- `provision`: `POST /restapi/v1.0/client-info/sip-provision` (WebPhone device + sipInfo).
- `consumer`: the SIP WebSocket (subprotocol `sip`); REGISTER with digest auth, outbound INVITE.
- `registrar`: live registrations, 5 instances per extension, expiry.
- `dialogs`: rings every registered phone of an extension when a call rings it (INVITE with
  `p-rc-api-ids`/`P-rc`), answer → the call answered on that WebPhone device, CANCEL, BYE, hold,
  Call Control `answer {deviceId}` → CANCEL + auto-answer INVITE; `drop_sockets` (a test/dev
  control, `POST /_sim/webphone/drop-sockets`) closes phones' SIP sockets as a network blip would.
- `media`: the far end (aiortc on its own thread), and what it heard (`/_sim/webphone/...`).
- `tls`: the self-signed certificate the simulator serves `wss://` with.

Transport choice: the SDK hard-codes `new WebSocket("wss://" + outboundProxy, "sip")`, so the
simulator speaks real TLS (a second daphne endpoint, `--sip-port`, certificate made at start)
rather than asking pages to rewrite URLs: the product's browser code stays exactly what it will
be against RingCentral. Browsers must accept the self-signed certificate (tests: a context with
`ignore_https_errors`; a person: open https://127.0.0.1:<sip port>/_sim/health once). The same
SIP socket also answers on the plain HTTP port (`ws://host:port/`), which Python tests use.

Media stays on 127.0.0.1: no STUN, aioice's host addresses replaced by loopback, the browser's
non-loopback candidates dropped; Chromium needs `--allow-loopback-in-peer-connection`.
"""
