"""HTTP face of recordings: /api/v1/recording_settings, /rooms/:room_id/recordings, /recordings."""

from flask import g, request

from switchboard.api import bp
from switchboard.api.endpoint import endpoint, ok, page
from switchboard.api.schemas.recordings import ConsentOut, DownloadUrlOut, RecordingOut, RecordingSettingsOut
from switchboard.api.validation import page_args, parse_body, query_choice, query_int
from switchboard.extensions import db
from switchboard.models.base import isoformat
from switchboard.plumbing.pagination import Page
from switchboard.services import recordings, rooms
from switchboard.services.recordings import RecordingCreate, RecordingSettingsPut

TAG = "Recordings"


@bp.put("/recording_settings")
@endpoint(
    "Set the project's recording destination",
    body=RecordingSettingsPut,
    response=RecordingSettingsOut,
    tag=TAG,
    description="Before storing, Switchboard writes, reads back (HeadObject) and deletes a small test "
    "object with these credentials: it must come back encrypted `aws:kms` under `kms_key_id`, because "
    "LiveKit Egress cannot request encryption and the bucket's default encryption is what protects "
    "recordings. Otherwise 422 with a `code` naming the problem (`bucket_unreachable`, "
    "`bucket_not_found`, `bad_credentials`, `access_denied`, `wrong_region`, "
    "`bucket_not_kms_encrypted`, `wrong_kms_key`) and a message saying how to fix it; nothing is "
    "stored. The secret is stored encrypted and never returned.",
)
def put_recording_settings():
    fields = parse_body(RecordingSettingsPut)
    return ok(RecordingSettingsOut.build(recordings.put_settings(g.project_id, fields)).dump())


@bp.get("/recording_settings")
@endpoint("Retrieve the recording destination (404 when none)", response=RecordingSettingsOut, tag=TAG)
def get_recording_settings():
    return ok(RecordingSettingsOut.build(recordings.get_settings(g.project_id)).dump())


@bp.delete("/recording_settings")
@endpoint(
    "Remove the recording destination",
    response=RecordingSettingsOut,
    tag=TAG,
    description="New recordings then answer 409 `recording_settings_missing`; existing objects stay "
    "in the bucket (delete recordings first to remove them through Switchboard).",
)
def delete_recording_settings():
    return ok(RecordingSettingsOut.build(recordings.delete_settings(g.project_id)).dump())


@bp.post("/rooms/<room_id>/recordings")
@endpoint(
    "Start recording a room",
    body=RecordingCreate,
    response=RecordingOut,
    status=201,
    tag=TAG,
    description="LiveKit Egress composites the room (Switchboard's `/recording/template` page in the "
    "chosen layout) straight into the project's bucket at `destination`. 201 with status `starting`; "
    "`recording` once media flows (`recording.started`), `stopping` after a stop, then `completed` "
    "once the object is verified aws:kms under the configured key (`recording.completed`) or `failed` "
    "with `error` (`recording.failed`). `format: ogg` records audio only. 409 `capability_missing`, "
    "`recording_settings_missing`, `room_closed`, `recording_in_progress` (one at a time per room); "
    "503 `unavailable` when no egress worker accepted (the recording is then `failed`).\n\n"
    "In a room with `recording_consent: required` the recording is created `awaiting_consent` and "
    "no egress starts: everyone connected now (roster and chat sockets) gets the chat-socket event "
    "`recording.consent_requested {recording_id}` and answers `recording.consent {recording_id, "
    "accept}`. All accept → `starting` and egress starts; the first decline → `failed` with "
    "`consent_declined`; not everyone answered within `RECORDING_CONSENT_TIMEOUT_SECONDS` (120 s) "
    "→ `failed` with `consent_timeout`. 409 `consent_unavailable` when such a room has no `chat` "
    "(consent is asked over the chat socket), `room_not_active` when nobody is connected.",
)
def start_recording(room_id):
    room = rooms.get_room(g.project_id, room_id)
    fields = parse_body(RecordingCreate)
    return ok(RecordingOut.build(recordings.start_recording(room, fields)).dump(), 201)


@bp.post("/recordings/<recording_id>/stop")
@endpoint(
    "Stop a recording",
    response=RecordingOut,
    tag=TAG,
    description="Idempotent. The recording becomes `stopping` and then `completed` once egress has "
    "uploaded and Switchboard has verified the file. Stopping a finished recording returns it unchanged. "
    "A recording still `awaiting_consent` never started: it becomes `failed` with "
    "`consent_cancelled` (nothing was recorded).",
)
def stop_recording(recording_id):
    rec = recordings.get_recording(g.project_id, recording_id)
    return ok(RecordingOut.build(recordings.stop_recording(rec)).dump())


@bp.get("/recordings")
@endpoint(
    "List recordings, newest first",
    response=RecordingOut,
    paginated=True,
    query=(
        ("room_id", {"type": "string"}, "Only this room's recordings."),
        ("status", {"type": "string", "enum": list(recordings.STATUSES)}, "Only recordings in this status."),
    ),
    tag=TAG,
)
def list_recordings():
    status = query_choice("status", recordings.STATUSES)
    limit, cursor = page_args()
    result = recordings.list_recordings(
        g.project_id, room_id=request.args.get("room_id") or None, status=status, limit=limit, cursor=cursor
    )
    return page(result, RecordingOut.build)


@bp.get("/recordings/<recording_id>")
@endpoint("Retrieve a recording", response=RecordingOut, tag=TAG)
def get_recording(recording_id):
    return ok(RecordingOut.build(recordings.get_recording(g.project_id, recording_id)).dump())


@bp.delete("/recordings/<recording_id>")
@endpoint(
    "Delete a recording",
    response=RecordingOut,
    tag=TAG,
    description="Deletes the object (and egress' manifest beside it) from the bucket, then the "
    "pointer. 409 `recording_active` while it runs.",
)
def delete_recording(recording_id):
    rec = recordings.get_recording(g.project_id, recording_id)
    body = RecordingOut.build(rec).dump()
    recordings.delete_recording(rec)
    return ok(body)


@bp.get("/recordings/<recording_id>/download_url")
@endpoint(
    "A presigned download URL for a completed recording",
    response=DownloadUrlOut,
    query=(("expires_in", {"type": "integer", "minimum": 60, "maximum": 3600}, "Seconds (default 300)."),),
    tag=TAG,
    description="Every call is audited. 409 `recording_not_completed` unless the recording is completed.",
)
def recording_download_url(recording_id):
    rec = recordings.get_recording(g.project_id, recording_id)
    expires_in = query_int("expires_in", 300, low=60, high=3600)
    url, expires_at = recordings.download_url(rec, expires_in)
    db.session.commit()  # the audit entry (GETs are otherwise read-only)
    return ok(DownloadUrlOut(url=url, expires_at=isoformat(expires_at)).dump())


@bp.get("/recordings/<recording_id>/consents")
@endpoint(
    "The consent ledger of a recording",
    response=ConsentOut,
    paginated=True,
    tag=TAG,
    description="For recordings of rooms with `recording_consent: required`: everyone who was asked, "
    "with their answer (`accepted`, `at`), answered first in the order they answered, then those "
    "who have not answered (`accepted` and `at` null). Each answer is also in the audit log "
    "(`recording.consent_given` / `recording.consent_declined`, identity as HMAC). Empty for "
    "recordings that needed no consent. One page (`has_more` is always false).",
)
def list_recording_consents(recording_id):
    rec = recordings.get_recording(g.project_id, recording_id)
    return page(Page(recordings.consents(rec), False, None), ConsentOut.build)
