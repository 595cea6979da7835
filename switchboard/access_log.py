"""gunicorn's access log without identities: `/participants/<identity>` and
`/waiting/<identity>` paths are redacted.

`DELETE /api/v1/rooms/:room_id/participants/:identity` and `POST …/waiting/:identity/admit|deny`
carry a participant identity in their path, and identities never reach a log (the query
string is already left out).
"""

import re

from gunicorn.glogging import Logger

_IDENTITY_IN_PATH = re.compile(r"(/(?:participants|waiting)/)[^/?]+")


def redact_path(path: str | None) -> str | None:
    return _IDENTITY_IN_PATH.sub(r"\1[redacted]", path) if path else path


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U"))
        atoms["r"] = redact_path(atoms.get("r"))
        return atoms
