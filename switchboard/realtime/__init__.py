"""Realtime chat: the WebSocket connection (`connection.py`), its wire format (`frames.py`)
and the fan-out hub (`hub.py`). The socket's route lives in `api/realtime.py`."""

from flask import current_app, has_app_context

from switchboard.plumbing.signals import (
    consent_closed,
    consent_requested,
    participant_removed,
    room_closed,
    token_revoked,
    waiting_changed,
)
from switchboard.realtime import hub as _hub_module


def init_app(app) -> None:
    """The process's hub, and the receivers that turn committed changes into socket closes."""
    _hub_module.init_app(app)
    participant_removed.connect(_on_participant_removed, weak=False)
    room_closed.connect(_on_room_closed, weak=False)
    token_revoked.connect(_on_token_revoked, weak=False)
    waiting_changed.connect(_on_waiting_changed, weak=False)
    consent_requested.connect(_on_consent_requested, weak=False)
    consent_closed.connect(_on_consent_closed, weak=False)


def _hub():
    if has_app_context() and "realtime_hub" in current_app.extensions:
        return current_app.extensions["realtime_hub"]
    return None


def _publish(room_id: str, item: dict) -> None:
    if (hub := _hub()) is not None:
        hub.publish(room_id, item)


def _on_participant_removed(room_id, identity=None, **_):
    """Every process closes the removed identity's sockets with 4401."""
    _publish(room_id, {"kind": "remove", "identity": identity})


def _on_room_closed(room_id, **_):
    """Every process sends `room.closed` and closes the room's sockets with 4404."""
    _publish(room_id, {"kind": "close"})


def _on_token_revoked(room_id, token_id=None, **_):
    """Every process closes the sockets opened with that token with 4401."""
    _publish(room_id, {"kind": "revoke_token", "token_id": token_id})


def _on_waiting_changed(room_id, identity=None, status=None, entry=None, message=None, **_):
    """Hosts' pages follow the queue; the waiting person's page hears its outcome."""
    hub = _hub()
    if hub is None:
        return
    if status == "waiting":
        hub.publish_direct(room_id, "waiting.joined", entry, admitters=True)
        return
    hub.publish_direct(room_id, "waiting.left", {"identity": identity, "status": status}, admitters=True)
    waiting = _hub_module.waiting_channel(room_id)
    if status == "admitted":
        hub.publish_direct(waiting, "waiting.admitted", {}, identity=identity, close=[4000, "Admitted."])
    elif status == "denied":
        hub.publish_direct(
            waiting, "waiting.denied", {"message": message}, identity=identity, close=[4401, "Denied."]
        )


def _on_consent_requested(room_id, recording_id=None, identities=(), **_):
    """Each person asked gets the consent dialog on every socket they have open."""
    if (hub := _hub()) is not None:
        for identity in identities:
            hub.publish_direct(
                room_id, "recording.consent_requested", {"recording_id": recording_id}, identity=identity
            )


def _on_consent_closed(room_id, recording_id=None, outcome=None, **_):
    """The recording no longer waits: every page closes its dialog."""
    if (hub := _hub()) is not None:
        hub.publish_event(
            room_id, "recording.consent_closed", {"recording_id": recording_id, "outcome": outcome}
        )
