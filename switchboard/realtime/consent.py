"""Recording consent over the chat socket (rooms with `recording_consent: required`).

The people asked get `recording.consent_requested {recording_id}` (again on every socket they
open while the recording still waits for their answer) and answer `recording.consent
{recording_id, accept}`, acknowledged with `ack {ref}` or refused with `error`: `not_found`,
`not_asked`, `already_answered`, `consent_closed`. When the recording stops waiting, the
room gets `recording.consent_closed {recording_id, outcome}` (`accepted`, or the failure code).
"""

from switchboard.realtime import frames
from switchboard.services import recordings


def send_pending(connection) -> None:
    """Ask a connecting page about any recording still waiting for its answer."""
    for recording_id in recordings.consents_pending(connection.room_id, connection.identity):
        connection._send("recording.consent_requested", {"recording_id": recording_id})


def on_answer(connection, frame: frames.Frame) -> None:
    """`recording.consent {recording_id, accept}` from a member's socket."""

    def answer() -> None:
        recordings.answer_consent(
            connection.room_id, frame.data["recording_id"], connection.identity, frame.data["accept"]
        )

    connection._command(frame, answer, "recording consent answer")
