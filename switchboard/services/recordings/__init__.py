"""Recordings: a room's call composited by LiveKit Egress straight into the customer's S3
bucket under their KMS key. Switchboard keeps the pointer and facts about the object.

- `settings`: the project's bucket, verified by a test write before it is stored (`storage`
  speaks S3 with boto3, `sealing` keeps the secret encrypted at rest);
- `recording`: start, stop, list, delete, download links;
- `consent`: the `awaiting_consent` wait and its ledger (rooms with `recording_consent: required`);
- `transitions`: the state machine egress drives; `lifecycle`: webhooks, the KMS check on
  completion and reconciliation with ListEgress.
"""

from switchboard.models import RECORDING_STATUSES
from switchboard.services.recordings.consent import answer as answer_consent
from switchboard.services.recordings.consent import erase_room as erase_consents
from switchboard.services.recordings.consent import ledger as consents
from switchboard.services.recordings.consent import pending_for as consents_pending
from switchboard.services.recordings.consent import run_timeout as run_consent_timeout
from switchboard.services.recordings.lifecycle import finalize, handle_egress, reconcile
from switchboard.services.recordings.recording import (
    active_recording,
    delete_recording,
    download_url,
    find_recording,
    get_recording,
    latest_recording,
    list_recordings,
    run_start,
    run_start_unanswered,
    run_stop,
    start_recording,
    stop_recording,
    stop_room_recordings,
)
from switchboard.services.recordings.settings import (
    delete_settings,
    dev_bucket,
    find_settings,
    get_settings,
    put_settings,
)
from switchboard.services.recordings.specs import RecordingCreate, RecordingSettingsPut
from switchboard.services.recordings.transitions import as_dict

STATUSES = RECORDING_STATUSES

__all__ = [
    "STATUSES",
    "RecordingCreate",
    "RecordingSettingsPut",
    "active_recording",
    "answer_consent",
    "consents",
    "consents_pending",
    "erase_consents",
    "run_consent_timeout",
    "run_start",
    "as_dict",
    "delete_recording",
    "delete_settings",
    "dev_bucket",
    "download_url",
    "finalize",
    "find_recording",
    "find_settings",
    "get_recording",
    "get_settings",
    "handle_egress",
    "latest_recording",
    "list_recordings",
    "put_settings",
    "reconcile",
    "run_start_unanswered",
    "run_stop",
    "start_recording",
    "stop_recording",
    "stop_room_recordings",
]
