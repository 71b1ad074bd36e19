"""Passing a caller to a colleague or a number: Transfer now, Ask first, Forward (issue 15).

`services.py` asks RingCentral; `state.py` reads what a transfer is doing from the calls
RingCentral reports; `colleagues.py` is the picker's list with live presence; `wizard_hooks.py`
adds the transfer region and the context that follows the call to the wizard (registered in
TelephonyConfig.ready); `views.py` translates HTTP.
"""
