"""Admin users who log in to /admin."""

from flask_login import UserMixin
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from switchboard.extensions import db
from switchboard.models.base import new_id, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("usr"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[object] = mapped_column(DateTime, default=utcnow)
    # Part of the id kept in the (client-side, signed) session cookie: raising it on log-out or
    # a password reset makes every cookie issued before worthless, even a copied one.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
