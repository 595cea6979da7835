"""Admin forms (Flask-WTF: CSRF token on every POST), and showing a service's error next to
the field it names."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from switchboard.errors import ApiError


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])


class RoomForm(FlaskForm):
    project_id = SelectField("Project", validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=128)])
    capabilities = SelectMultipleField(
        "Capabilities",
        choices=[
            ("video", "Video (camera, mic, screen share)"),
            ("audio", "Audio"),
            ("chat", "Chat"),
            ("recording", "Recording"),
        ],
        default=["video", "chat"],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    max_participants = IntegerField("Max participants", validators=[Optional(), NumberRange(1, 10000)])
    empty_timeout = IntegerField("Empty timeout (seconds)", validators=[Optional(), NumberRange(1, 86400)])
    metadata = TextAreaField("Metadata (JSON object)", validators=[Optional(), Length(max=8192)])
    waiting_room = BooleanField(
        "Waiting room", description="Everyone but hosts waits, unseen, until a host admits them."
    )
    ends_at = DateTimeLocalField(
        "Ends at (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="The room closes by itself then, disconnecting everyone. Leave empty for no end.",
    )
    recording_consent = SelectField(
        "Recording consent",
        choices=[
            ("notice", "Notice: everyone sees the indicator"),
            ("required", "Required: everyone must accept"),
        ],
        default="notice",
    )


class DenyForm(FlaskForm):
    """Deny someone in the waiting room, with an optional message for their page."""

    message = StringField("Message to them (optional)", validators=[Optional(), Length(max=500)])


class JoinLinkForm(FlaskForm):
    """A join link for one person; checked by the same spec as `POST …/tokens`."""

    identity = StringField("Identity", description="Who joins: letters, digits and . _ : @ -")
    name = StringField("Display name", description="Shown on their tile; defaults to the identity.")
    role = StringField("Role", default="participant", description="host, participant, viewer, patient…")
    ttl_seconds = IntegerField(
        "Valid for (seconds)", default=3600, validators=[Optional()], description="60 to 86400."
    )


class KeyForm(FlaskForm):
    project = StringField("Project name", validators=[DataRequired(), Length(max=128)])
    mode = SelectField("Mode", choices=[("live", "sk_live_"), ("test", "sk_test_")])


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token for a POST button."""


def attach_error(form, err: ApiError, *, prefix: str = "") -> None:
    """Show a service's validation error next to the field it names, else as a message."""
    name = (err.param or "").removeprefix(prefix).split(".")[0]
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors") and name != "meta":
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(err.message)
    else:
        flash(err.message, "error")
