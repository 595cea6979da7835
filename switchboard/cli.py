"""`flask --app app …` commands: keys, users, bootstrap, the job worker and reconciliation."""

import json
import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from switchboard.errors import ApiError
from switchboard.extensions import db
from switchboard.jobs import worker as job_worker
from switchboard.services import projects, recordings, retention, rooms

keys = AppGroup("keys", help="Project API keys.")
users = AppGroup("users", help="Admin users.")
livekit = AppGroup("livekit", help="LiveKit housekeeping.")
recording = AppGroup("recordings", help="Recordings.")
retention_group = AppGroup("retention", help="Data retention.")


@keys.command("create")
@click.option("--project", "project_name", required=True, help="Project name; created if new.")
@click.option("--test", "test_mode", is_flag=True, help="Issue an sk_test_ key instead of sk_live_.")
def create_key(project_name: str, test_mode: bool) -> None:
    """Create an API key for PROJECT and print the secret once."""
    project = projects.get_or_create_project(project_name)
    _key, secret = projects.create_key(project, livemode=not test_mode)
    db.session.commit()
    click.echo(secret)
    click.echo(f"(project {project.name} {project.id}; the key is shown only now: store it safely)", err=True)


@users.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, password: str) -> None:
    """Create an admin login (or reset its password)."""
    try:
        projects.create_user(email, password)
    except ApiError:
        raise click.BadParameter(
            f"use at least {projects.MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        ) from None
    db.session.commit()
    click.echo(f"admin user {email.lower()} is ready")


@click.command("bootstrap")
def bootstrap() -> None:
    """First run of `make run`: a first admin login and API key, printed every time.

    The first credentials are kept in instance/first-run.json (mode 0600) so a second
    `make run` can print them again instead of making new ones.
    """
    path = Path(current_app.instance_path) / "first-run.json"
    if path.exists():
        creds = json.loads(path.read_text())
    else:
        email = "admin@switchboard.local"
        password = secrets.token_urlsafe(12)
        projects.create_user(email, password)
        project = projects.get_or_create_project("default")
        _key, secret = projects.create_key(project)
        db.session.commit()
        creds = {"email": email, "password": password, "api_key": secret}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(creds, fh)
    base = current_app.config["PUBLIC_URL"]
    click.echo(f"  Admin:    {base}/admin/  ({creds['email']} / {creds['password']})")
    click.echo(f"  API key:  {creds['api_key']}")
    click.echo(f"  API docs: {base}/api/v1/docs  (OpenAPI: {base}/api/v1/openapi.json)")


@recording.command("dev-setup")
@click.option("--endpoint", default="http://127.0.0.1:5005", show_default=True, help="moto's server.")
@click.option("--bucket", default="switchboard-dev-recordings", show_default=True)
@click.option("--project", "project_name", default="default", show_default=True)
def recordings_dev_setup(endpoint: str, bucket: str, project_name: str) -> None:
    """`make run`: a local bucket (moto) with default KMS encryption as PROJECT's recording
    destination, and how to find the recordings."""
    project = projects.get_or_create_project(project_name)
    key_id = recordings.dev_bucket(project.id, endpoint=endpoint, bucket=bucket)
    db.session.commit()
    base = current_app.config["PUBLIC_URL"]
    click.echo(f"  Recordings: s3://{bucket} on {endpoint} (default encryption aws:kms, key {key_id})")
    click.echo(f"    list:     curl -H 'Authorization: Bearer <API key>' {base}/api/v1/recordings")
    click.echo(
        f"    download: curl -H 'Authorization: Bearer <API key>' {base}/api/v1/recordings/<rec_id>/download_url"
    )
    click.echo(
        f"    objects:  AWS_ACCESS_KEY_ID=dev AWS_SECRET_ACCESS_KEY=dev aws --endpoint-url {endpoint} s3 ls s3://{bucket} --recursive"
    )


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then exit.")
@click.option(
    "--periodic/--no-periodic",
    default=None,
    help="Schedule periodic jobs (default: yes, except with --once).",
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Jobs at once (PostgreSQL).")
def worker(once: bool, periodic: bool | None, concurrency: int | None) -> None:
    """Run the job worker (webhook delivery, reconciliation, egress)."""
    job_worker.run(once=once, periodic=periodic, concurrency=concurrency)


@livekit.command("reconcile")
def reconcile_command() -> None:
    """Compare LiveKit's rooms and participants with ours and repair ours."""
    click.echo(json.dumps(rooms.reconcile()))


@retention_group.command("purge")
@click.option("--project", "project_name", default=None, help="Only this project (name or id).")
def retention_purge(project_name: str | None) -> None:
    """Erase now what each project's retention policy no longer keeps; prints counts per project
    as JSON (expired recordings are queued for the worker, which deletes object then pointer)."""
    project_id = None
    if project_name is not None:
        found = [p.id for p in projects.list_projects() if project_name in (p.id, p.name)]
        if not found:
            raise click.BadParameter(f"no project {project_name!r}", param_hint="--project")
        project_id = found[0]
    click.echo(json.dumps(retention.purge_all(actor="cli", project_id=project_id), sort_keys=True))


def init_app(app) -> None:
    for command in (keys, users, livekit, recording, retention_group, bootstrap, worker):
        app.cli.add_command(command)
