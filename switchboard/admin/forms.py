"""Admin forms (Flask-WTF: CSRF token on every POST)."""

from flask_wtf import FlaskForm
from wtforms import (
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


class KeyForm(FlaskForm):
    project = StringField("Project name", validators=[DataRequired(), Length(max=128)])
    mode = SelectField("Mode", choices=[("live", "sk_live_"), ("test", "sk_test_")])


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token for a POST button."""
