from django.dispatch import Signal

# Sent by `POST /_sim/reset` after the platform state is cleared and reseeded, so the voice app
# can drop its calls and subscriptions: `@receiver(simulator_reset) def on_reset(sender, **kwargs)`.
simulator_reset = Signal()
