"""The job registry: periods that a setting overrides."""

from switchboard import create_app


def periods(config: dict) -> dict[str, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, **config})
    return {p.kind: p.every_seconds for p in app.extensions["jobs"].periodic}


def test_reconcile_period_defaults_to_a_minute_and_follows_its_setting():
    assert periods({})["livekit.reconcile"] == 60
    assert periods({"RECONCILE_EVERY_SECONDS": 5})["livekit.reconcile"] == 5
    # Periods without a setting keep their own.
    assert periods({"RECONCILE_EVERY_SECONDS": 5})["maintenance.cleanup"] == 3600
