"""In-process signals between parts that must not import each other (blinker).

Senders fire them only after the causing transaction commits (see `transactions.after_commit`).
Receivers in other processes are reached by the realtime hub, which re-publishes what it needs.

- `participant_removed(room_id, identity=...)`: a participant was removed; their tokens are revoked.
- `room_closed(room_id)`: a room was closed; everyone must be disconnected.
- `token_revoked(room_id, token_id=...)`: one token was revoked (ejected at expiry); the
  sockets opened with it must close.
- `waiting_changed(room_id, identity=..., status=..., entry=..., message=...)`: someone entered
  the waiting room (`waiting`, with `entry`) or left it (`admitted`, `denied` with the host's
  `message`, or `left`); hosts' pages and the waiting person's page follow.
- `consent_requested(room_id, recording_id=..., identities=[...])`: a recording of a
  `recording_consent: required` room waits for these people's consent; their pages ask.
- `consent_closed(room_id, recording_id=..., outcome=...)`: it no longer waits (`accepted`, or
  the failure code: `consent_declined`, `consent_timeout`, ...); the pages close the dialog.
"""

from blinker import Namespace

_signals = Namespace()

participant_removed = _signals.signal("participant-removed")
room_closed = _signals.signal("room-closed")
token_revoked = _signals.signal("token-revoked")
waiting_changed = _signals.signal("waiting-changed")
consent_requested = _signals.signal("consent-requested")
consent_closed = _signals.signal("consent-closed")
