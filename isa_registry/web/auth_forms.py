"""Forms for signing in and managing user accounts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..store.passwords import password_problem

ROLE_CHOICES = [
    ("viewer", "Viewer – reads everything, changes nothing (auditors)"),
    ("editor", "Editor – maintains organisations, agreements and flows"),
    ("admin", "Admin – everything, and manages users"),
]


def _strip_lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email address and password."""

    email = StringField(
        "Email address",
        filters=[_strip_lower],
        validators=[DataRequired("Enter your email address")],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class NewUserForm(FlaskForm):
    """A new account: email, role and a first password."""

    email = EmailField(
        "Email address",
        filters=[_strip_lower],
        validators=[
            DataRequired("Enter an email address"),
            Length(max=100, message="Email address must be 100 characters or fewer"),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.org",
            ),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    password = PasswordField("Password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired("Confirm the password"), EqualTo("password", "The passwords do not match")],
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = SelectField("Role", choices=ROLE_CHOICES)


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""
