"""What a role may do in a room.

Roles: `host` publishes everything and moderates; `viewer` only receives (media and chat);
any other role name gets participant rights. A room's `roles` policy can redefine any role,
and the room's capabilities cap every role (no `video`, no camera).
"""

from switchboard.livekit.tokens import Grant
from switchboard.models import Room

ALL_SOURCES = ("camera", "microphone", "screen_share")
ROLE_DEFAULTS = {
    "host": Grant(publish=ALL_SOURCES, subscribe=True, chat=True, moderate=True),
    "viewer": Grant(publish=(), subscribe=True, chat=False, moderate=False),
}
PARTICIPANT = Grant(publish=ALL_SOURCES, subscribe=True, chat=True, moderate=False)


def allowed_sources(room: Room) -> set[str]:
    """Track sources the room's capabilities permit at all."""
    if room.has("video"):
        return set(ALL_SOURCES)
    if room.has("audio"):
        return {"microphone"}
    return set()


def has_media(room: Room) -> bool:
    """Whether the room has a LiveKit side at all (audio or video)."""
    return bool(allowed_sources(room))


def may_admit(room: Room, role: str) -> bool:
    """Whether `role` runs the waiting room: hosts always, other roles if their policy says so."""
    return role == "host" or bool(((room.roles or {}).get(role) or {}).get("admit"))


def needs_admission(room: Room, role: str) -> bool:
    """Whether someone joining as `role` waits to be admitted."""
    return bool(room.waiting_room) and not may_admit(room, role)


def grant_for(room: Room, role: str) -> Grant:
    """The rights of `role` in `room`: role default, then room policy, then capability cap."""
    grant = ROLE_DEFAULTS.get(role, PARTICIPANT)
    policy = (room.roles or {}).get(role)
    if policy:
        publish = grant.publish if policy.get("publish") is None else tuple(policy["publish"])
        grant = Grant(
            publish=publish,
            subscribe=policy.get("subscribe", True),
            chat=policy.get("chat", True),
            moderate=policy.get("moderate", False),
        )
    allowed = allowed_sources(room)
    return Grant(
        publish=tuple(s for s in ALL_SOURCES if s in grant.publish and s in allowed),
        subscribe=grant.subscribe,
        chat=grant.chat and room.has("chat"),
        moderate=grant.moderate,
    )
