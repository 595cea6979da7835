"""gunicorn settings for the web process (see Procfile)."""

import os

bind = os.environ.get("BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
worker_class = "gevent"
# Without Redis, chat typing, presence and removals cannot cross processes (messages would
# arrive only by the hub's database poll), so one gevent worker serves everything; with
# REDIS_URL set, add workers freely.
workers = int(os.environ.get("WEB_CONCURRENCY") or ("2" if os.environ.get("REDIS_URL") else "1"))
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 20
# %(U)s is the path without its query string: the realtime socket carries its join token in
# the query, and tokens must never reach a log.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
# Identities in paths (DELETE …/participants/<identity>) are redacted too.
logger_class = "switchboard.access_log.RedactingLogger"
# gunicorn's control socket sits at one fixed path per user; several servers on one host
# (tests, several app instances) would fight over it, and we do not use it.
control_socket_disable = True
# The chat socket carries its join token in the query string (`/api/v1/realtime?token=…`), and a
# token with the largest allowed participant and room metadata is about 24 KB: more than the
# 8190-byte maximum of a bounded request line. 0 means gunicorn's own 1 MB ceiling.
limit_request_line = 0
