"""Switchboard: self-hosted video and chat rooms around a LiveKit SFU."""

import logging
import os

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then each part's `init_app`.

    Everything that registers something (extensions, error handlers, blueprints, job
    kinds, signal receivers, CLI commands) is called from here, in this order.
    """
    # Imported here, not at the top: `import switchboard.webhooks` (the receivers' verifier)
    # must stay light, and app.py patches gevent before the app's modules load.
    from switchboard import admin, api, cli, errors, jobs, meet, realtime, security_headers
    from switchboard.config import load_config
    from switchboard.extensions import csrf, db, limiter, login_manager, migrate, sock
    from switchboard.plumbing import transactions

    app = Flask(
        __name__,
        instance_path=os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    app.config.update(overrides or {})
    app.json.sort_keys = False  # keep fields in schema order: `id` first, as documented
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    transactions.install()
    sock.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    realtime.init_app(app)
    api.init_app(app, csrf)
    admin.init_app(app)
    app.register_blueprint(meet.bp)
    return app
