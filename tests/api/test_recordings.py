"""Recording settings and the recordings API against moto's real S3/KMS server (no egress
needed here; tests/e2e/livekit/test_recordings.py records for real). SQLite and PostgreSQL."""

import uuid

import pytest
from google.protobuf.json_format import MessageToJson
from livekit.protocol import egress, models, webhook
from livekit.protocol.egress import EgressStatus

from switchboard.extensions import db
from switchboard.models import Event, Recording, RecordingSettings
from switchboard.models.base import utcnow
from switchboard.plumbing import audit
from switchboard.services import recordings
from switchboard.services.recordings import sealing
from tests.support.livekit_signing import deliver
from tests.support.recording import MotoServer

SECRET = "testing"


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def app_config():
    return {"RECORDING_SECRETS_KEY": "api-test-recording-key"}


@pytest.fixture
def bucket(moto):
    name = "rec-" + uuid.uuid4().hex[:12]
    return name, moto.make_bucket(name)


def put(api, body):
    return api.client.put(
        "/api/v1/recording_settings", json=body, headers={"Authorization": f"Bearer {api.key}"}
    )


def test_settings_are_verified_stored_and_returned_without_the_secret(api, moto, bucket, caplog):
    name, key_id = bucket
    response = put(api, moto.settings(name, key_id, prefix="/visits/"))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["s3"] == {
        "bucket": name,
        "region": "us-east-1",
        "prefix": "visits",
        "endpoint": moto.url,
        "force_path_style": True,
        "access_key_id": "testing",
        "kms_key_id": key_id,
    }
    assert data["verified_at"].endswith("Z")
    assert "secret" not in response.get_data(as_text=True)
    assert api.get("/recording_settings").get_json()["data"] == data
    row = db.session.get(RecordingSettings, db.session.scalar(db.select(RecordingSettings.project_id)))
    assert row.secret_encrypted != SECRET and sealing.unseal(row.secret_encrypted) == SECRET
    # the check object is gone again
    assert moto.s3().list_objects_v2(Bucket=name).get("KeyCount", 0) == 0
    assert SECRET not in caplog.text


def test_a_bucket_without_kms_default_encryption_is_refused_and_nothing_is_stored(api, moto):
    name = "plain-" + uuid.uuid4().hex[:10]
    moto.make_bucket(name, kms=False)
    response = put(api, moto.settings(name, moto.create_key()))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "bucket_not_kms_encrypted"
    assert "default encryption" in error["message"] and "SSE-KMS" in error["message"]
    assert api.get("/recording_settings").status_code == 404


def test_a_missing_bucket_is_refused(api, moto):
    response = put(api, moto.settings("no-such-bucket-" + uuid.uuid4().hex[:8], moto.create_key()))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "bucket_not_found" and "does not exist" in error["message"]
    assert api.get("/recording_settings").status_code == 404


def test_a_bucket_encrypted_with_another_key_is_refused(api, moto, bucket):
    name, _ = bucket
    response = put(api, moto.settings(name, moto.create_key()))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "wrong_kms_key"


def test_an_unreachable_endpoint_is_refused(api, moto, bucket):
    name, key_id = bucket
    body = moto.settings(name, key_id)
    body["s3"]["endpoint"] = "http://127.0.0.1:9"
    response = put(api, body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bucket_unreachable"


def test_bad_settings_fields_are_422(api, moto, bucket):
    name, key_id = bucket
    body = moto.settings(name, key_id, colour="blue")
    assert put(api, body).get_json()["error"]["param"] == "s3.colour"
    body = moto.settings(name, key_id)
    del body["s3"]["kms_key_id"]
    assert put(api, body).status_code == 422


def test_settings_can_be_deleted(api, moto, bucket):
    assert put(api, moto.settings(*bucket)).status_code == 200
    assert api.delete("/recording_settings").status_code == 200
    assert api.get("/recording_settings").status_code == 404
    assert api.delete("/recording_settings").status_code == 404


def test_starting_needs_the_capability_settings_and_an_open_running_room(api, moto, bucket):
    plain = api.create_room(capabilities=["video"])
    response = api.post(f"/rooms/{plain['id']}/recordings", json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "capability_missing"

    room = api.create_room(capabilities=["video", "recording"])
    response = api.post(f"/rooms/{room['id']}/recordings", json={})
    assert (
        response.status_code == 409 and response.get_json()["error"]["code"] == "recording_settings_missing"
    )

    assert put(api, moto.settings(*bucket)).status_code == 200
    response = api.post(f"/rooms/{room['id']}/recordings", json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "room_not_active"
    response = api.post(f"/rooms/{room['id']}/recordings", json={"layout": "mosaic"})
    assert response.status_code == 422 and response.get_json()["error"]["param"] == "layout"
    response = api.post(f"/rooms/{room['id']}/recordings", json={"format": "ogg", "audio_only": False})
    assert response.status_code == 422 and response.get_json()["error"]["param"] == "audio_only"

    api.delete(f"/rooms/{room['id']}")
    response = api.post(f"/rooms/{room['id']}/recordings", json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "room_closed"
    assert api.get("/recordings").get_json()["data"] == []


def _stored_recording(api, moto, bucket, room, *, status="stopping") -> Recording:
    assert put(api, moto.settings(*bucket)).status_code == 200
    rec = Recording(
        project_id=db.session.get(
            RecordingSettings, db.session.scalar(db.select(RecordingSettings.project_id))
        ).project_id,
        room_id=room["id"],
        status=status,
        layout="grid",
        format="mp4",
        audio_only=False,
        bucket=bucket[0],
        object_key=f"{room['id']}/rec.mp4",
        egress_id="EG_test",
        ended_at=utcnow(),
        created_at=utcnow(),
    )
    db.session.add(rec)
    db.session.commit()
    return rec


def test_a_finished_file_without_the_kms_key_is_repaired_by_an_in_place_copy(api, moto, bucket):
    room = api.create_room(capabilities=["video", "recording"])
    rec = _stored_recording(api, moto, bucket, room)
    s3 = moto.s3()
    s3.put_object(Bucket=bucket[0], Key=rec.object_key, Body=b"x" * 2048, ServerSideEncryption="AES256")
    assert s3.head_object(Bucket=bucket[0], Key=rec.object_key)["ServerSideEncryption"] == "AES256"

    recordings.finalize(rec.id)
    head = s3.head_object(Bucket=bucket[0], Key=rec.object_key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"].endswith(bucket[1])
    data = api.get(f"/recordings/{rec.id}").get_json()["data"]
    assert (data["status"], data["size_bytes"], data["error"]) == ("completed", 2048, None)
    assert data["destination"] == f"s3://{bucket[0]}/{rec.object_key}"

    link = api.get(f"/recordings/{rec.id}/download_url?expires_in=30")
    assert link.status_code == 400 and link.get_json()["error"]["param"] == "expires_in"
    assert api.get(f"/recordings/{rec.id}/download_url").status_code == 200


def test_a_finished_file_missing_from_the_bucket_fails_the_recording(api, moto, bucket):
    room = api.create_room(capabilities=["video", "recording"])
    rec = _stored_recording(api, moto, bucket, room)
    recordings.finalize(rec.id)
    data = api.get(f"/recordings/{rec.id}").get_json()["data"]
    assert data["status"] == "failed" and data["error"]["code"] == "upload_failed"


def test_an_active_recording_cannot_be_deleted_or_downloaded_and_other_projects_see_nothing(
    api, other_api, moto, bucket
):
    room = api.create_room(capabilities=["video", "recording"])
    rec = _stored_recording(api, moto, bucket, room, status="recording")
    response = api.delete(f"/recordings/{rec.id}")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "recording_active"
    response = api.get(f"/recordings/{rec.id}/download_url")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "recording_not_completed"
    assert other_api.get(f"/recordings/{rec.id}").status_code == 404
    assert other_api.get("/recordings").get_json()["data"] == []
    listed = api.get(f"/recordings?room_id={room['id']}&status=recording").get_json()["data"]
    assert [r["id"] for r in listed] == [rec.id]
    assert api.get("/recordings?status=completed").get_json()["data"] == []


def test_the_meeting_page_sees_the_recording_and_only_hosts_may_control_it(api, client, moto, bucket):
    room = api.create_room(capabilities=["video", "recording"])
    host = api.mint(room["id"], "dr-1", role="host")["token"]
    patient = api.mint(room["id"], "pat-1", role="patient")["token"]
    seen = client.get(f"/api/v1/realtime/recording?token={patient}").get_json()["data"]
    assert seen == {"recording": None, "recordable": True, "can_control": False}
    assert client.get(f"/api/v1/realtime/recording?token={host}").get_json()["data"]["can_control"] is True

    refused = client.post(f"/api/v1/realtime/recording?token={patient}", json={"action": "start"})
    assert refused.status_code == 403
    assert client.get("/api/v1/realtime/recording?token=nope").status_code == 401

    rec = _stored_recording(api, moto, bucket, room, status="recording")
    seen = client.get(f"/api/v1/realtime/recording?token={patient}").get_json()["data"]
    assert seen["recording"]["id"] == rec.id and seen["recording"]["status"] == "recording"
    stopped = client.post(f"/api/v1/realtime/recording?token={host}", json={"action": "stop"})
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["data"]["recording"]["status"] == "stopping"


def egress_event(
    event: str, room_id: str, egress_id: str, status: int, *, error: str = "", size: int = 0
) -> str:

    info = egress.EgressInfo(egress_id=egress_id, room_name=room_id, status=status, error=error)
    if size:
        info.file_results.append(egress.FileInfo(filename="x.mp4", size=size, duration=5_000_000_000))
    message = webhook.WebhookEvent(
        event=event, id="EV_" + uuid.uuid4().hex[:8], room=models.Room(name=room_id), egress_info=info
    )
    return MessageToJson(message)


def test_egress_webhooks_drive_the_recording_and_announce_it(app, client, api, moto, bucket):

    room = api.create_room(capabilities=["video", "recording"])
    rec = _stored_recording(api, moto, bucket, room, status="starting")
    rec_id = rec.id
    deliver(client, app, egress_event("egress_updated", room["id"], "EG_test", EgressStatus.EGRESS_ACTIVE))
    assert api.get(f"/recordings/{rec_id}").get_json()["data"]["status"] == "recording"
    deliver(client, app, egress_event("egress_updated", room["id"], "EG_test", EgressStatus.EGRESS_ACTIVE))
    deliver(
        client,
        app,
        egress_event(
            "egress_ended", room["id"], "EG_test", EgressStatus.EGRESS_FAILED, error="S3 upload failed"
        ),
    )
    data = api.get(f"/recordings/{rec_id}").get_json()["data"]
    assert data["status"] == "failed"
    assert data["error"] == {"code": "egress_failed", "message": "S3 upload failed"}
    types = [e.type for e in db.session.scalars(db.select(Event).order_by(Event.created_at))]
    assert types.count("recording.started") == 1 and types.count("recording.failed") == 1


def test_egress_recorder_joining_is_not_refused_as_an_unknown_token(app, client, api):

    room = api.create_room(capabilities=["video", "recording"])
    recorder = models.ParticipantInfo(
        sid="PA_rec",
        identity="EG_abc",
        kind=models.ParticipantInfo.Kind.EGRESS,
        state=models.ParticipantInfo.ACTIVE,
    )
    body = MessageToJson(
        webhook.WebhookEvent(
            event="participant_joined", id="EV_r", room=models.Room(name=room["id"]), participant=recorder
        )
    )
    deliver(client, app, body)
    assert [e.action for e in audit.list_for_room(room["id"])] == ["room.created"]
    assert api.get(f"/rooms/{room['id']}/participants").get_json()["data"] == []
