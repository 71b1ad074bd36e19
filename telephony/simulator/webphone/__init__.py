"""RingCentral's browser phone side: `sip-provision`, a SIP registrar and call handling over a
secure WebSocket, and a far end that sends and receives real audio (aiortc).

- `provision`: `POST /restapi/v1.0/client-info/sip-provision` (WebPhone device + sipInfo).
- `consumer`: the SIP WebSocket (subprotocol `sip`); REGISTER with digest auth, outbound INVITE.
- `registrar`: live registrations, 5 instances per extension, expiry.
- `dialogs`: rings every registered phone of an extension when a call rings it (INVITE with
  `p-rc-api-ids`/`P-rc`), answer → the call answered on that WebPhone device, CANCEL, BYE, hold.
- `media`: the far end (aiortc on its own thread), and what it heard.
- `tls`: the self-signed certificate the simulator serves `wss://` with.
"""
