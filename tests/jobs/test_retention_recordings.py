"""The retention purge's recordings: the object in the customer's bucket (moto's S3) first,
then the pointer, through the job worker. SQLite and PostgreSQL."""

import uuid

import pytest

from switchboard.extensions import db
from switchboard.jobs import worker
from switchboard.models import (
    AuditEntry,
    Job,
    Recording,
)
from tests.jobs.conftest import OLD, RECENT, ago, count, project_id, purge_now, seed_room, set_policy
from tests.support.recording import MotoServer


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def app_config():
    return {"RECORDING_SECRETS_KEY": "retention-test-recording-key"}


def recording(pid: str, room_id: str, *, status: str, age: float, key: str) -> Recording:
    rec = Recording(
        project_id=pid,
        room_id=room_id,
        status=status,
        layout="grid",
        format="mp4",
        audio_only=False,
        bucket="b",
        object_key=key,
        created_at=ago(age),
        ended_at=ago(age) if status in ("completed", "failed") else None,
    )
    db.session.add(rec)
    db.session.commit()
    return rec


def test_expired_recordings_are_deleted_from_the_bucket_then_their_pointers_by_the_worker(app, api, moto):
    name = "ret-" + uuid.uuid4().hex[:12]
    key_id = moto.make_bucket(name)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(name, key_id),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200, response.get_json()
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    s3 = moto.s3()
    recs = {}
    for label, status, age in (
        ("old_completed", "completed", OLD),
        ("old_failed", "failed", OLD),
        ("old_running", "recording", OLD),
        ("new_completed", "completed", RECENT),
    ):
        key = f"{room_id}/{label}.mp4"
        s3.put_object(Bucket=name, Key=key, Body=b"x" * 64)
        recs[label] = recording(pid, room_id, status=status, age=age, key=key).id
    app.config["RETENTION_PURGE_EVERY_SECONDS"] = 3600

    worker.schedule_periodic(seen={})
    worker.run_due_jobs("w1")  # the purge queues two deletions, which the same loop runs
    db.session.expire_all()

    left = {o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])}
    assert left == {f"{room_id}/old_running.mp4", f"{room_id}/new_completed.mp4"}
    assert set(db.session.scalars(db.select(Recording.id))) == {recs["old_running"], recs["new_completed"]}
    deleted = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "recording.deleted")).all()
    assert sorted(e.detail["recording_id"] for e in deleted) == sorted(
        [recs["old_completed"], recs["old_failed"]]
    )
    assert {e.actor for e in deleted} == {"retention"}
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "retention.delete_recording")).all()
    assert len(jobs) == 2 and {j.status for j in jobs} == {"done"}
    purged = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "retention.purged"))
    assert purged.detail["erased"]["recordings_queued"] == 2


def test_a_recording_deletion_waits_while_the_bucket_refuses_and_is_queued_only_once(app, api, moto, runner):
    name = "ret-" + uuid.uuid4().hex[:12]
    key_id = moto.make_bucket(name)
    response = api.client.put(
        "/api/v1/recording_settings",
        json=moto.settings(name, key_id),
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 200
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    rec_id = recording(pid, room_id, status="completed", age=OLD, key=f"{room_id}/a.mp4").id
    s3 = moto.s3()
    s3.put_object(Bucket=name, Key=f"{room_id}/a.mp4", Body=b"x")
    # The customer's bucket goes away: the object cannot be deleted, so the pointer stays.
    s3.delete_object(Bucket=name, Key=f"{room_id}/a.mp4")
    s3.delete_bucket_encryption(Bucket=name)
    s3.delete_bucket(Bucket=name)

    assert purge_now(runner)[pid]["recordings_queued"] == 1
    assert purge_now(runner)[pid]["recordings_queued"] == 0  # already on the job table
    worker.run_due_jobs("w1")
    db.session.expire_all()
    job = db.session.scalar(db.select(Job).where(Job.kind == "retention.delete_recording"))
    assert job.status == "queued" and job.attempts == 1 and "bucket" in (job.last_error or "").lower()
    assert db.session.get(Recording, rec_id) is not None


def test_without_recording_settings_expired_recordings_are_kept_and_counted(runner, api):
    set_policy(api, {"recordings_days": 30})
    pid = project_id("acme")
    room_id = seed_room(pid, status="closed", tag="rec")
    rec_id = recording(pid, room_id, status="completed", age=OLD, key="k.mp4").id
    erased = purge_now(runner)[pid]
    assert erased == {"recordings_kept_without_bucket": 1, "recordings_queued": 0}
    assert db.session.get(Recording, rec_id) is not None
    assert count(Job, Job.kind == "retention.delete_recording") == 0
