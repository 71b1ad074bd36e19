"""Answer in the browser: the staff member's browser is their RingCentral phone (WebRTC).

- `credentials`: the SIP account from RingCentral's `sip-provision`, per user, encrypted at rest,
  asked for again before it lapses; `webphone_device_id` for Call Control and click-to-dial.
- `views`: the credentials for the signed-in user's own browser only (no caching), and the
  switch to "Answer in browser" a browser makes once it has the microphone.

The phone itself runs in the browser (`static/js/phone.js` over the vendored
`ringcentral-web-phone`): one registration per browser, held by the tab that wins a Web Lock.
"""
