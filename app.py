"""WSGI entry point: gevent patches the standard library before anything else is imported."""

from gevent import monkey

monkey.patch_all()

from switchboard import create_app  # noqa: E402

app = create_app()
