"""LiveKit's Egress service over Twirp (room composite recordings into S3), like `client.py`.

Egress' S3 upload has no server-side-encryption field: the bucket's default encryption is
what encrypts a recording, and Switchboard verifies it afterwards (services/recordings).
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from livekit import api as lk
from livekit.protocol import egress as lk_egress
from livekit.protocol import models as lk_models

from switchboard.livekit.client import LiveKitError, _call

SERVICE = "livekit.Egress"

STATUSES = {
    lk_egress.EgressStatus.EGRESS_STARTING: "starting",
    lk_egress.EgressStatus.EGRESS_ACTIVE: "active",
    lk_egress.EgressStatus.EGRESS_ENDING: "ending",
    lk_egress.EgressStatus.EGRESS_COMPLETE: "complete",
    lk_egress.EgressStatus.EGRESS_FAILED: "failed",
    lk_egress.EgressStatus.EGRESS_ABORTED: "aborted",
    lk_egress.EgressStatus.EGRESS_LIMIT_REACHED: "limit_reached",
}
FILE_TYPES = {"mp4": lk_egress.EncodedFileType.MP4, "ogg": lk_egress.EncodedFileType.OGG}


@dataclass(frozen=True)
class S3Target:
    """Where egress uploads: the customer's bucket and the credentials egress uses."""

    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str
    endpoint: str | None
    force_path_style: bool


@dataclass(frozen=True)
class Egress:
    """What LiveKit reports about one egress; times in unix seconds (float), size in bytes."""

    egress_id: str
    room_name: str
    status: str  # one of STATUSES' values
    error: str
    filename: str
    started_at: float | None
    ended_at: float | None
    duration_seconds: float | None
    size_bytes: int | None


def _seconds(nanos: int) -> float | None:
    return nanos / 1e9 if nanos else None


def egress_from_proto(info) -> Egress:
    result = info.file_results[0] if info.file_results else (info.file if info.HasField("file") else None)
    return Egress(
        egress_id=info.egress_id,
        room_name=info.room_name,
        status=STATUSES.get(info.status, "failed"),
        error=info.error,
        filename=result.filename if result is not None else "",
        started_at=_seconds(info.started_at),
        ended_at=_seconds(info.ended_at),
        duration_seconds=_seconds(result.duration) if result is not None else None,
        size_bytes=int(result.size) if result is not None and result.size else None,
    )


def _token() -> str:
    config = current_app.config
    return (
        lk.AccessToken(config["LIVEKIT_API_KEY"], config["LIVEKIT_API_SECRET"])
        .with_grants(lk.VideoGrants(room_record=True))
        .with_ttl(timedelta(minutes=1))
        .to_jwt()
    )


def _egress_call(method: str, request, response_cls, *, timeout: float | None = None):
    return _call(method, request, response_cls, service=SERVICE, token=_token(), timeout=timeout)


def start_room_composite(
    room_name: str, *, layout: str, audio_only: bool, file_format: str, filepath: str, s3: S3Target
) -> Egress:
    """Ask an egress worker to record `room_name` into `s3` at `filepath`.

    503 `unavailable` when no egress worker accepted in time (LiveKit waits several seconds).
    """
    upload = lk_egress.S3Upload(
        access_key=s3.access_key_id,
        secret=s3.secret_access_key,
        region=s3.region,  # egress v1.8.6 fails without one
        endpoint=s3.endpoint or "",
        bucket=s3.bucket,
        force_path_style=s3.force_path_style,
    )
    request = lk_egress.RoomCompositeEgressRequest(
        room_name=room_name,
        layout=layout,
        audio_only=audio_only,
        custom_base_url=current_app.config["RECORDING_TEMPLATE_URL"],
        file_outputs=[
            lk_egress.EncodedFileOutput(file_type=FILE_TYPES[file_format], filepath=filepath, s3=upload)
        ],
        # Debian's GStreamer has no AAC encoder (faac); MP4 carries Opus.
        advanced=lk_egress.EncodingOptions(
            width=640,
            height=360,
            framerate=15,
            audio_codec=lk_models.AudioCodec.OPUS,
            video_codec=lk_models.VideoCodec.H264_MAIN,
        ),
    )
    info = _egress_call(
        "StartRoomCompositeEgress",
        request,
        lk_egress.EgressInfo,
        timeout=current_app.config["EGRESS_TIMEOUT"],
    )
    return egress_from_proto(info)


def stop(egress_id: str) -> bool:
    """Ask the egress to stop; False when it had already ended or does not exist."""
    try:
        _egress_call("StopEgress", lk_egress.StopEgressRequest(egress_id=egress_id), lk_egress.EgressInfo)
    except LiveKitError as err:
        if err.twirp_code in ("not_found", "failed_precondition"):
            return False
        raise
    return True


def get(egress_id: str) -> Egress | None:
    """LiveKit's current facts about one egress (None when it does not know it)."""
    try:
        out = _egress_call(
            "ListEgress", lk_egress.ListEgressRequest(egress_id=egress_id), lk_egress.ListEgressResponse
        )
    except LiveKitError as err:
        if err.twirp_code == "not_found":
            return None
        raise
    return egress_from_proto(out.items[0]) if out.items else None


def list_room(room_id: str) -> list[Egress]:
    """Every egress LiveKit knows for a room (active and ended)."""
    out = _egress_call(
        "ListEgress", lk_egress.ListEgressRequest(room_name=room_id), lk_egress.ListEgressResponse
    )
    return [egress_from_proto(item) for item in out.items]
