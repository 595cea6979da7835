"""Admin users: the people who log in to /admin."""

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from switchboard.errors import validation
from switchboard.extensions import db
from switchboard.models import User

MIN_PASSWORD_LENGTH = 8


def create_user(email: str, password: str) -> User:
    """Create an admin login, or reset the password of an existing one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise validation(f"Use at least {MIN_PASSWORD_LENGTH} characters.", param="password")
    user = db.session.scalar(db.select(User).where(User.email == email.lower()))
    if user is None:
        user = User(email=email.lower())
        db.session.add(user)
    else:
        user.session_epoch += 1  # a new password logs out every session of the old one
    user.set_password(password)
    db.session.flush()
    return user


@cache
def _decoy_hash() -> str:
    return generate_password_hash("not a password of anyone's")


def authenticate_user(email: str, password: str) -> User | None:
    """The user with this email and password, or None. An unknown email costs the same
    password hashing as a known one, so the time taken does not tell whether it exists."""
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_decoy_hash(), password)
        return None
    return user if user.check_password(password) else None


def get_user(session_id: str) -> User | None:
    """The user a session names (`User.get_id()`: id and session epoch), or None when the
    session was ended (log-out, password reset) after it was issued."""
    user_id, _, epoch = (session_id or "").partition(".")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or str(user.session_epoch) != epoch:
        return None
    return user


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session cookie issued so far stops working."""
    user.session_epoch += 1
    db.session.flush()
