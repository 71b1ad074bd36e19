"""Names vulture reports at 80 %+ that are used by a protocol, not by our code; each with why.

Read by `vulture` (pyproject [tool.vulture]); never imported."""

# Django signal receivers are called with `sender` as a keyword argument.
sender  # noqa: B018, F821
# Django's Field.from_db_value(value, expression, connection) signature.
expression  # noqa: B018, F821
# Channels' WebsocketConsumer.receive(text_data, bytes_data) signature.
bytes_data  # noqa: B018, F821
text_data  # noqa: B018, F821
# signal.signal handlers receive (signum, frame).
signum  # noqa: B018, F821
# Context managers' __exit__(*exc_info).
exc_info  # noqa: B018, F821
# django-axes calls AXES_LOCKOUT_CALLABLE(request, original_response, credentials).
original_response  # noqa: B018, F821
