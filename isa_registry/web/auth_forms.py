"""Forms for signing in and managing user accounts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..store.passwords import password_problem

ROLE_CHOICES = [
    ("viewer", "Viewer – reads everything, changes nothing (auditors)"),
    ("editor", "Editor – maintains organisations, agreements and flows"),
    ("admin", "Admin – everything, and manages users"),
    ("partner", "Partner – reads and signs only what its organisation is a party to"),
]

NEEDS_ORGANISATION = "Select the organisation a partner account belongs to"
DPO_NEEDS_ORGANISATION = "Select the organisation whose data protection officer this is"


class _Membership:
    """An account's organisation (a key, or none) and whether it is that organisation's DPO; the
    view sets the organisation's choices."""

    # A key no organisation has is refused by the store, naming it.
    organisation = SelectField("Organisation", choices=[], validate_choice=False)
    dpo = BooleanField("Data protection officer of this organisation")

    def membership_errors(self, role: str | None) -> bool:
        """Add the errors of an organisation left out where one is needed; whether there were none."""
        organisation = getattr(self, "organisation")  # noqa: B009 - the field of the form mixed into
        if organisation.data:
            return True
        if role == "partner":
            organisation.errors = [*organisation.errors, NEEDS_ORGANISATION]
            return False
        if getattr(self, "dpo").data:  # noqa: B009
            organisation.errors = [*organisation.errors, DPO_NEEDS_ORGANISATION]
            return False
        return True


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


class NewUserForm(_Membership, FlaskForm):
    """A new account: email, role, organisation and a first password."""

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


class MembershipForm(_Membership, FlaskForm):
    """Change the organisation an account belongs to, and whether it is its DPO."""


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""
