"""Ring a user through the running RingCentral simulator, the way a real inbound PSTN call does.

Talks to the simulator only over HTTP (its `/_sim/calls` control endpoint at
settings.RINGCENTRAL_SERVER_URL), like the product reaches RingCentral: no simulator import.
"""

import argparse

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.numbers import try_normalize


def seconds(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def caller_number(text: str) -> str:
    """Numbers as people type them, read like RingCentral would present them (E.164); a US default."""
    parsed = try_normalize(text, "US")
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a phone number")
    return parsed.e164


class Command(BaseCommand):
    help = "Place a simulated inbound call to an extension on the running RingCentral simulator."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from",
            dest="from_number",
            required=True,
            type=caller_number,
            help="caller number as people type it: +15145550100, (514) 555-0100, 0044 20 7946 0958…",
        )
        parser.add_argument("--to-extension", required=True, help="extension number to ring (e.g. 101)")
        parser.add_argument("--from-name", default="", help="caller name shown to the user")
        parser.add_argument("--answer-after", type=seconds, help="the desk phone answers after S seconds")
        parser.add_argument(
            "--hangup-after", type=seconds, help="the caller hangs up S seconds after the answer"
        )
        parser.add_argument(
            "--ring-timeout", type=seconds, help="unanswered after S seconds → missed call (or voicemail)"
        )
        parser.add_argument(
            "--record", action="store_true", help="record the call (call log gets a recording)"
        )
        parser.add_argument("--missed", action="store_true", help="the caller gives up before anyone answers")
        parser.add_argument(
            "--voicemail",
            action="store_true",
            help="if nobody answers within a few rings the caller leaves a voicemail (with audio and a transcription)",
        )
        parser.add_argument(
            "--server", default="", help="simulator URL (default settings.RINGCENTRAL_SERVER_URL)"
        )

    def handle(self, *args, **options) -> None:
        server = (options["server"] or settings.RINGCENTRAL_SERVER_URL).rstrip("/")
        payload = {
            "from": options["from_number"],
            "to_extension": options["to_extension"],
            "from_name": options["from_name"],
            "answer_after": options["answer_after"],
            "hangup_after": options["hangup_after"],
            "ring_timeout": options["ring_timeout"],
            "record": options["record"],
            "missed": options["missed"],
            "voicemail": options["voicemail"],
        }
        payload = {key: value for key, value in payload.items() if value is not None}
        try:
            response = requests.post(f"{server}/_sim/calls", json=payload, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(
                f"The RingCentral simulator is not answering at {server} ({type(exc).__name__}). "
                "Start it with `python -m telephony.simulator` (or `make run`)."
            ) from None
        if response.status_code == 404:
            raise CommandError(f"{server} is not a RingCentral simulator (no /_sim/calls endpoint).")
        try:
            data = response.json()
        except ValueError:
            raise CommandError(f"The simulator answered HTTP {response.status_code} without JSON.") from None
        if response.status_code >= 400:
            raise CommandError(f"The simulator refused the call: {data.get('error', data)}")
        self._report(data, options)

    def _report(self, data: dict, options: dict) -> None:
        parties = data["session"]["parties"]
        user = next((p for p in parties if p.get("extensionId")), parties[-1])
        self.stdout.write(
            self.style.SUCCESS(
                f"Ringing extension {options['to_extension']} ({user['to'].get('name', '')}) "
                f"from {options['from_number']}: telephony session {data['telephonySessionId']} "
                f"(sessionId {data['sessionId']})."
            )
        )
        plan = []
        if options["missed"]:
            plan.append("the caller will hang up before anyone answers")
        if options.get("answer_after") is not None:
            plan.append(f"the desk phone answers after {options['answer_after']:g}s")
        if options.get("hangup_after") is not None and not options["missed"]:
            plan.append(f"the caller hangs up {options['hangup_after']:g}s after the answer")
        if options["record"]:
            plan.append("the call is recorded")
        if options["voicemail"] and not options["missed"] and options.get("answer_after") is None:
            plan.append(
                "unanswered, it goes to voicemail and the caller leaves a message"
                + (f" after {options['ring_timeout']:g}s" if options.get("ring_timeout") is not None else "")
            )
        if plan:
            self.stdout.write("Then " + "; ".join(plan) + ".")
