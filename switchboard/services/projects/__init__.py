"""Projects, their API keys, and the admin users who manage them."""

from switchboard.services.projects.keys import (
    authenticate,
    create_key,
    find_key,
    get_or_create_project,
    get_project,
    hash_key,
    list_keys,
    list_projects,
    project_names,
    revoke_key,
)
from switchboard.services.projects.users import (
    MIN_PASSWORD_LENGTH,
    authenticate_user,
    create_user,
    end_sessions,
    get_user,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "authenticate",
    "authenticate_user",
    "create_key",
    "create_user",
    "end_sessions",
    "find_key",
    "get_or_create_project",
    "get_user",
    "hash_key",
    "list_keys",
    "get_project",
    "list_projects",
    "project_names",
    "revoke_key",
]
