"""The telephony state machine of one simulated call — pure Python, no Django, no I/O.

A `CallSession` holds parties; every action changes one party at a time and records an `Event`
(one party per event, per-session increasing `sequence`), in the order RingCentral emits them
(API.md §4.4). Invalid actions raise `CallControlError` carrying RingCentral's status and code.
Sessions serialize to plain dicts so the simulator can keep them in its database.
"""

import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

RINGING = frozenset({"Setup", "Proceeding"})
CONNECTED = frozenset({"Answered", "Hold"})
LIVE = RINGING | CONNECTED | {"VoiceMail"}
SERVER_ID = "10.13.22.27.TAM"


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class CallControlError(Exception):
    """An action RingCentral would refuse; carries the HTTP status and RingCentral's error code."""

    def __init__(self, status: int, error_code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.extra = extra


def incorrect_state() -> CallControlError:
    return CallControlError(409, "TAS-102", "Incorrect State")


def not_found(parameter: str) -> CallControlError:
    return CallControlError(
        404, "CMN-102", f"Resource for parameter [{parameter}] is not found", parameterName=parameter
    )


@dataclass
class Endpoint:
    phone_number: str = ""
    name: str = ""
    extension_id: str = ""
    device_id: str = ""

    def to_dict(self) -> dict:
        pairs = (
            ("phoneNumber", self.phone_number),
            ("name", self.name),
            ("extensionId", self.extension_id),
            ("deviceId", self.device_id),
        )
        return {key: value for key, value in pairs if value}


@dataclass
class Party:
    id: str
    account_id: str
    extension_id: str
    direction: str
    from_: Endpoint
    to: Endpoint
    role: str  # caller | callee | target — our bookkeeping, never sent
    status: str = "Setup"
    reason: str = ""
    missed_call: bool = False
    muted: bool = False
    stand_alone: bool = False
    answered_at: str = ""
    ended_at: str = ""
    ring_out_role: str = ""  # Initiator | Target on RingOut calls
    created_at: str = ""
    peer: dict = field(default_factory=dict)  # status.peerId once the party is Gone
    replaced: str = ""  # id of the party this one took over from (transfers) — never sent

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def _status(self, *, rcc: bool) -> dict:
        status = {"code": self.status}
        if self.reason:
            status["reason"] = self.reason
        if self.peer:
            status["peerId"] = dict(self.peer)
        if rcc:
            status["rcc"] = False
        return status

    def notification_dict(self) -> dict:
        """The party as a telephony-session notification carries it (API.md §4.3)."""
        party = {"accountId": self.account_id}
        if self.extension_id:
            party["extensionId"] = self.extension_id
        party.update(
            id=self.id,
            direction=self.direction,
            to=self.to.to_dict(),
            **{"from": self.from_.to_dict()},
            status=self._status(rcc=True),
            park={},
            missedCall=self.missed_call,
            standAlone=self.stand_alone,
            muted=self.muted,
        )
        if self.ring_out_role:
            party["ringOutRole"] = self.ring_out_role
        return party

    def api_dict(self) -> dict:
        """The party as Call Control answers it (`CallParty`, API.md §5)."""
        party = {
            "id": self.id,
            "status": self._status(rcc=False),
            "muted": self.muted,
            "standAlone": self.stand_alone,
            "park": {},
            "from": self.from_.to_dict(),
            "to": self.to.to_dict(),
            "direction": self.direction,
            "accountId": self.account_id,
        }
        if self.extension_id:
            party["extensionId"] = self.extension_id
            party["owner"] = {"accountId": self.account_id, "extensionId": self.extension_id}
        if self.ring_out_role:
            party["ringOutRole"] = self.ring_out_role
        return party


@dataclass
class Event:
    sequence: int
    event_time: str
    party: dict  # snapshot of Party.notification_dict()


@dataclass
class CallSession:
    telephony_session_id: str
    session_id: str
    account_id: str
    origin_type: str = "Call"
    server_id: str = SERVER_ID
    creation_time: str = field(default_factory=iso_now)
    parties: list[Party] = field(default_factory=list)
    sequence: int = 0
    events: list[Event] = field(default_factory=list)
    ended_at: str = ""

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def new(cls, *, account_id: str, origin_type: str = "Call") -> "CallSession":
        return cls(
            telephony_session_id=f"s-{secrets.token_hex(16)}",
            session_id=str(400_000_000_000 + secrets.randbelow(99_999_999_999)),
            account_id=str(account_id),
            origin_type=origin_type,
        )

    def add_party(
        self, *, extension_id: str, direction: str, from_: Endpoint, to: Endpoint, role: str
    ) -> Party:
        hex_id = self.telephony_session_id.removeprefix("s-")
        party = Party(
            id=f"p-{hex_id}-{len(self.parties) + 1}",
            account_id=self.account_id,
            extension_id=str(extension_id or ""),
            direction=direction,
            from_=from_,
            to=to,
            role=role,
            created_at=iso_now(),
        )
        self.parties.append(party)
        return party

    # -- serialization ------------------------------------------------------------------------
    def to_state(self) -> dict:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict) -> "CallSession":
        data = dict(state)
        parties = []
        for raw in data.pop("parties"):
            raw = dict(raw)
            raw["from_"] = Endpoint(**raw["from_"])
            raw["to"] = Endpoint(**raw["to"])
            parties.append(Party(**raw))
        events = [Event(**raw) for raw in data.pop("events")]
        return cls(parties=parties, events=events, **data)

    # -- reading ------------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return bool(self.ended_at)

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise not_found("partyId")

    def caller(self) -> Party:
        return next(p for p in self.parties if p.role == "caller")

    def live_parties(self) -> list[Party]:
        return [p for p in self.parties if p.live]

    def api_dict(self) -> dict:
        return {
            "id": self.telephony_session_id,
            "origin": {"type": self.origin_type},
            "creationTime": self.creation_time,
            "parties": [p.api_dict() for p in self.parties],
        }

    # -- the one way state changes --------------------------------------------------------------
    def _set(
        self,
        party: Party,
        status: str,
        *,
        reason: str = "",
        missed: bool | None = None,
        peer: dict | None = None,
    ) -> Event:
        now = iso_now()
        party.status = status
        party.reason = reason
        party.peer = dict(peer or {})
        if missed is not None:
            party.missed_call = missed
        if status == "Answered" and not party.answered_at:
            party.answered_at = now
        if status in {"Disconnected", "Gone"}:
            party.ended_at = now
        return self._emit(party, now)

    def _emit(self, party: Party, now: str | None = None) -> Event:
        self.sequence += 1
        event = Event(sequence=self.sequence, event_time=now or iso_now(), party=party.notification_dict())
        self.events.append(event)
        if not self.live_parties() and not self.ended_at:
            self.ended_at = event.event_time
        return event

    def _require_live(self) -> None:
        if self.ended:
            raise not_found("telephonySessionId")

    def _end_everyone(self, *, first: Party | None = None) -> None:
        """Disconnect every live party (`first` first); ringing parties become missed calls."""
        ordered = self.live_parties()
        if first is not None and first in ordered:
            ordered.remove(first)
            ordered.insert(0, first)
        for party in ordered:
            if party.live:
                self._set(party, "Disconnected", missed=True if party.status in RINGING else None)

    # -- scenarios ------------------------------------------------------------------------------
    def start_inbound(self, *, caller: Endpoint, callee: Endpoint) -> Party:
        """A PSTN call reaching a user: caller Setup, then the user's party Setup → Proceeding."""
        callee_party = Endpoint(callee.phone_number, callee.name, callee.extension_id)
        caller_party = self.add_party(
            extension_id="", direction="Outbound", from_=caller, to=callee_party, role="caller"
        )
        self._set(caller_party, "Setup")
        user = self.add_party(
            extension_id=callee.extension_id,
            direction="Inbound",
            from_=caller,
            to=callee_party,
            role="callee",
        )
        self._set(user, "Setup")
        self._set(user, "Proceeding")
        return user

    def start_inbound_to_voicemail(self, *, caller: Endpoint, callee: Endpoint) -> Party:
        """A PSTN call to a user on Do Not Disturb: it goes straight to their voicemail, unrung."""
        callee_party = Endpoint(callee.phone_number, callee.name, callee.extension_id)
        caller_party = self.add_party(
            extension_id="", direction="Outbound", from_=caller, to=callee_party, role="caller"
        )
        self._set(caller_party, "Setup")
        user = self.add_party(
            extension_id=callee.extension_id,
            direction="Inbound",
            from_=caller,
            to=callee_party,
            role="callee",
        )
        self._set(user, "VoiceMail", missed=True)
        self._set(caller_party, "Answered")
        return user

    def start_internal(self, *, caller: Endpoint, callee: Endpoint, voicemail: bool = False) -> Party:
        """Ext → ext (API.md §4.4 last paragraph): -1 Setup, -2 Setup, -1 Answered, -2 Proceeding.
        A callee on Do Not Disturb is not rung: -1 Setup, -2 VoiceMail, -1 Answered."""
        first = self.add_party(
            extension_id=caller.extension_id, direction="Outbound", from_=caller, to=callee, role="caller"
        )
        self._set(first, "Setup")
        second = self.add_party(
            extension_id=callee.extension_id, direction="Inbound", from_=caller, to=callee, role="callee"
        )
        if voicemail:
            self._set(second, "VoiceMail", missed=True)
            self._set(first, "Answered")
            return second
        self._set(second, "Setup")
        self._set(first, "Answered")
        self._set(second, "Proceeding")
        return second

    def start_outbound(self, *, caller: Endpoint, callee: Endpoint) -> Party:
        """A user calling a PSTN number: user's party Setup → Proceeding, far end Setup → Proceeding."""
        ring_out = self.origin_type == "RingOut"
        user = self.add_party(
            extension_id=caller.extension_id, direction="Outbound", from_=caller, to=callee, role="caller"
        )
        user.ring_out_role = "Initiator" if ring_out else ""
        self._set(user, "Setup")
        far = self.add_party(extension_id="", direction="Inbound", from_=caller, to=callee, role="callee")
        far.ring_out_role = "Target" if ring_out else ""
        self._set(far, "Setup")
        self._set(user, "Proceeding")
        self._set(far, "Proceeding")
        return far

    # -- call control actions ---------------------------------------------------------------------
    def answer(self, party_id: str, *, device_id: str = "") -> Party:
        self._require_live()
        party = self.party(party_id)
        if party.status not in RINGING or party.role == "caller":
            raise incorrect_state()
        if device_id:
            party.to.device_id = device_id
        self._set(party, "Answered")
        for other in self.parties:
            if other is not party and other.role == "caller" and other.status in RINGING:
                self._set(other, "Answered")
        return party

    def hold(self, party_id: str) -> Party:
        self._require_live()
        party = self.party(party_id)
        if party.status == "Hold":
            return party
        if party.status != "Answered":
            raise incorrect_state()
        self._set(party, "Hold")
        return party

    def unhold(self, party_id: str) -> Party:
        self._require_live()
        party = self.party(party_id)
        if party.status == "Answered":
            return party
        if party.status != "Hold":
            raise incorrect_state()
        self._set(party, "Answered")
        return party

    def update_party(
        self, party_id: str, *, muted: bool | None = None, stand_alone: bool | None = None
    ) -> Party:
        self._require_live()
        party = self.party(party_id)
        if party.status not in CONNECTED:
            raise incorrect_state()
        changed = False
        if muted is not None and muted != party.muted:
            party.muted, changed = muted, True
        if stand_alone is not None and stand_alone != party.stand_alone:
            party.stand_alone, changed = stand_alone, True
        if changed:
            self._emit(party)
        return party

    def _require_ringing_inbound(self, party_id: str) -> Party:
        self._require_live()
        party = self.party(party_id)
        if party.status not in RINGING or party.direction != "Inbound" or party.role == "caller":
            raise incorrect_state()
        return party

    def reject(self, party_id: str) -> Party:
        """Stop ringing; with nobody else to ring the caller is dropped and the call is missed."""
        party = self._require_ringing_inbound(party_id)
        self._set(party, "Disconnected", reason="Rejected", missed=True)
        self._finish_if_alone()
        return party

    def ignore(self, party_id: str) -> Party:
        party = self._require_ringing_inbound(party_id)
        self._set(party, "Disconnected", missed=True)
        self._finish_if_alone()
        return party

    def forward(self, party_id: str, *, target: Endpoint, voicemail: bool = False) -> Party:
        """Send a ringing call elsewhere. Returns the forwarded party, `Disconnected` with reason
        `BlindTransfer` (what RingCentral's call-control SDK fixture for forward shows)."""
        party = self._require_ringing_inbound(party_id)
        self._set(party, "Disconnected", reason="BlindTransfer")
        self._ring_target(party, target, voicemail=voicemail)
        return party

    def transfer(self, party_id: str, *, target: Endpoint, voicemail: bool = False) -> Party:
        """Blind transfer of an answered or held party: it leaves (`BlindTransfer`), the target rings."""
        self._require_live()
        party = self.party(party_id)
        if party.status not in CONNECTED:
            raise incorrect_state()
        self._set(party, "Disconnected", reason="BlindTransfer")
        self._ring_target(party, target, voicemail=voicemail)
        return party

    def _ring_target(self, old: Party, target: Endpoint, *, voicemail: bool = False) -> Party:
        """The new party on the target's side; a target on Do Not Disturb gets the call in voicemail."""
        new = self.add_party(
            extension_id=target.extension_id,
            direction="Inbound",
            from_=far_end(old),
            to=target,
            role="target",
        )
        new.replaced = old.id
        if voicemail:
            self._set(new, "VoiceMail", missed=True)
        else:
            self._set(new, "Setup")
            self._set(new, "Proceeding")
        return new

    def to_voicemail(self, party_id: str) -> Party:
        """Ringing timed out and the call went to the user's voicemail."""
        party = self._require_ringing_inbound(party_id)
        self._set(party, "VoiceMail", missed=True)
        caller = self.caller()
        if caller.status in RINGING:
            self._set(caller, "Answered")
        return party

    def ring_timeout(self, party_id: str) -> Party:
        """Nobody answered in time and there is no voicemail: a missed call."""
        party = self._require_ringing_inbound(party_id)
        self._set(party, "Disconnected", missed=True)
        self._finish_if_alone()
        return party

    def hang_up(self, party_id: str) -> Party:
        """One party hangs up; in a two-party call the other side is disconnected next."""
        self._require_live()
        party = self.party(party_id)
        if not party.live:
            raise incorrect_state()
        if party.status in RINGING and party.role != "caller":
            return self.reject(party_id)
        self._set(party, "Disconnected")
        self._finish_if_alone()
        return party

    def drop(self) -> None:
        """DELETE session: every party is disconnected, extension parties first."""
        self._require_live()
        first = next((p for p in self.live_parties() if p.extension_id), None)
        self._end_everyone(first=first)

    def _finish_if_alone(self) -> None:
        live = self.live_parties()
        if len(live) == 1:
            last = live[0]
            self._set(last, "Disconnected", missed=True if last.status in RINGING else None)

    # -- outcome ------------------------------------------------------------------------------------
    def callee_parties(self) -> list[Party]:
        return [p for p in self.parties if p.role != "caller"]

    def answered_party(self) -> Party | None:
        return next((p for p in self.callee_parties() if p.answered_at), None)


def far_end(party: Party) -> Endpoint:
    """The other side of a party's call, as its from/to name it."""
    return party.from_ if party.direction == "Inbound" else party.to


def near_end(party: Party) -> Endpoint:
    """Who the party itself is (its own side of from/to)."""
    return party.to if party.direction == "Inbound" else party.from_


def peer_id(session: CallSession, party: Party) -> dict:
    # RingCentral's call-control SDK fixture puts the "s-…" id under `sessionId`; the schema
    # (PeerInfo) also has `telephonySessionId`. Both carry it so either reader finds it.
    return {
        "sessionId": session.telephony_session_id,
        "telephonySessionId": session.telephony_session_id,
        "partyId": party.id,
    }


def bridge(held: CallSession, held_party_id: str, consult: CallSession, consult_party_id: str) -> Party:
    """Warm transfer: join the far end of `held` with the far end of `consult`; the user, who has a
    party in both, leaves both. `held` keeps the call: the user's party there is `Gone`
    (`AttendedTransfer`, peerId → their consult party), then the target gets a new party in `held`,
    `Answered` at once; in `consult` the user's party is `Disconnected` (`AttendedTransfer`) and the
    target's is `Gone` with peerId → their new party. Returns the user's party in `held`."""
    held._require_live()
    mine = held.party(held_party_id)
    if consult.telephony_session_id == held.telephony_session_id:
        raise CallControlError(
            400,
            "CMN-101",
            "Parameter [telephonySessionId] value is invalid",
            parameterName="telephonySessionId",
        )
    if mine.status not in CONNECTED or consult.ended:
        raise incorrect_state()
    theirs = consult.party(consult_party_id)
    if theirs.extension_id != mine.extension_id:
        raise CallControlError(
            400, "CMN-101", "Parameter [partyId] value is invalid", parameterName="partyId"
        )
    others = [p for p in consult.live_parties() if p is not theirs]
    if theirs.status not in CONNECTED or len(others) != 1 or others[0].status != "Answered":
        raise incorrect_state()
    target = others[0]
    held._set(mine, "Gone", reason="AttendedTransfer", peer=peer_id(consult, theirs))
    joined = held.add_party(
        extension_id=target.extension_id,
        direction="Inbound",
        from_=far_end(mine),
        to=near_end(target),
        role="target",
    )
    joined.replaced = mine.id
    held._set(joined, "Answered")
    consult._set(theirs, "Disconnected", reason="AttendedTransfer")
    consult._set(target, "Gone", reason="AttendedTransfer", peer=peer_id(held, joined))
    return mine
