"""The admin's recording pages: a project's settings form (verified against moto's real S3/KMS)
and a room's recordings with their state and download links."""

import uuid

import pytest

from switchboard.extensions import db
from switchboard.models import Project, Recording, RecordingConsent
from switchboard.models.base import utcnow
from tests.admin.conftest import csrf_token
from tests.support.recording import MotoServer


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


def project_id():
    return db.session.scalar(db.select(Project.id).where(Project.name == "acme"))


def form_data(moto, bucket, key_id, path, client):
    body = moto.settings(bucket, key_id)["s3"]
    body["force_path_style"] = "y"
    body["csrf_token"] = csrf_token(client, path)
    return body


def test_settings_form_verifies_the_bucket_and_never_shows_the_secret(admin, api, moto):
    path = f"/admin/projects/{project_id()}/recording_settings"
    plain = "plain-" + uuid.uuid4().hex[:8]
    moto.make_bucket(plain, kms=False)
    page = admin.post(
        path, data=form_data(moto, plain, moto.create_key(), path, admin), follow_redirects=True
    )
    assert "not encrypted with KMS" in page.get_data(as_text=True)
    assert api.get("/recording_settings").status_code == 404

    good = "good-" + uuid.uuid4().hex[:8]
    key_id = moto.make_bucket(good)
    page = admin.post(path, data=form_data(moto, good, key_id, path, admin), follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "verified and saved" in html and f"s3://{good}" in html
    assert 'value="testing"' in html  # the access key id is shown…
    assert html.count("testing") == 1  # …but the secret (also "testing") is not
    assert api.get("/recording_settings").get_json()["data"]["s3"]["bucket"] == good


def test_room_recordings_page_lists_recordings_with_their_state(admin, api):
    room = api.create_room(capabilities=["video", "recording"])
    rec = Recording(
        project_id=project_id(),
        room_id=room["id"],
        status="failed",
        layout="grid",
        format="mp4",
        audio_only=False,
        bucket="b-1",
        object_key=f"{room['id']}/x.mp4",
        error_code="egress_failed",
        error_message="Start signal not received",
        created_at=utcnow(),
    )
    db.session.add(rec)
    db.session.commit()
    html = admin.get(f"/admin/rooms/{room['id']}/recordings").get_data(as_text=True)
    assert rec.id in html and "egress_failed: Start signal not received" in html
    assert "set up its bucket" in html


def test_room_recordings_page_shows_the_consent_ledger(admin, api):
    room = api.create_room(capabilities=["video", "chat", "recording"], recording_consent="required")
    rec = Recording(
        project_id=project_id(),
        room_id=room["id"],
        status="failed",
        layout="grid",
        format="mp4",
        bucket="b-1",
        object_key=f"{room['id']}/c.mp4",
        error_code="consent_declined",
        error_message="A participant declined to be recorded; nothing was recorded.",
        created_at=utcnow(),
    )
    db.session.add(rec)
    db.session.flush()
    for identity, accepted in (("dr-1", True), ("pat-1", False), ("kin-1", None)):
        db.session.add(
            RecordingConsent(
                recording_id=rec.id,
                room_id=room["id"],
                identity=identity,
                identity_hash="h-" + identity,
                accepted=accepted,
                at=utcnow() if accepted is not None else None,
            )
        )
    db.session.commit()
    html = admin.get(f"/admin/rooms/{room['id']}/recordings").get_data(as_text=True)
    assert "consent_declined" in html
    assert "dr-1 accepted" in html and "pat-1 declined" in html and "kin-1 no answer" in html
