"""Account forms. Every message a person reads is French."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from app.accounts.models import SECTOR_LABELS, OrganisationKind
from app.accounts.policy import ASSIGNABLE_ROLES
from app.web import strip

REQUIRED = "Ce champ est obligatoire."
EMAIL = "Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr."


def _email_field(label: str = "Adresse e-mail"):
    return EmailField(
        label,
        validators=[InputRequired(REQUIRED), Email(EMAIL), Length(max=254)],
        filters=[strip],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def _new_password_fields():
    password = PasswordField(
        "Nouveau mot de passe",
        validators=[InputRequired(REQUIRED)],
        description="12 caractères au moins. Une phrase de quelques mots fait un bon mot de passe.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in ASSIGNABLE_ROLES]


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Mot de passe",
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Rester connecté·e sur cet appareil (14 jours)")


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mot de passe actuel",
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(
        "Prénom et nom",
        validators=[DataRequired(REQUIRED), Length(max=120, message="120 caractères au plus.")],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    password, confirm = _new_password_fields()


class JoinForm(FlaskForm):
    """Accepting an invitation with an account that already exists."""


class ProfileForm(FlaskForm):
    full_name = StringField(
        "Prénom et nom",
        validators=[DataRequired(REQUIRED), Length(max=120, message="120 caractères au plus.")],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    job_title = StringField(
        "Fonction",
        validators=[Optional(), Length(max=120, message="120 caractères au plus.")],
        description="Par exemple : aide-soignante, infirmier coordinateur, responsable de secteur.",
        render_kw={"autocomplete": "organization-title"},
    )
    phone = StringField(
        "Téléphone professionnel",
        validators=[
            Optional(),
            Length(max=40, message="40 caractères au plus."),
            Regexp(r"^\+?[0-9 .()-]{6,}$",
                   message="Saisissez un numéro de téléphone, par exemple 02 40 00 00 00."),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class InviteForm(FlaskForm):
    full_name = StringField(
        "Prénom et nom (facultatif)",
        validators=[Optional(), Length(max=120, message="120 caractères au plus.")],
    )
    email = _email_field("Adresse e-mail de la personne")
    role = SelectField("Rôle", choices=ROLE_CHOICES, validators=[InputRequired(REQUIRED)])


class RoleForm(FlaskForm):
    role = SelectField("Rôle", choices=ROLE_CHOICES, validators=[InputRequired(REQUIRED)])


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in OrganisationKind]
SECTOR_CHOICES = [
    SelectChoice("", "— (sans objet)"),
    *(SelectChoice(value, label) for value, label in SECTOR_LABELS.items()),
]


class OrganisationForm(FlaskForm):
    name = StringField(
        "Nom de l’organisation",
        validators=[DataRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")],
        filters=[strip],
    )
    kind = SelectField("Type", choices=KIND_CHOICES, validators=[InputRequired(REQUIRED)])
    sector = SelectField(
        "Secteur (employeurs)",
        choices=SECTOR_CHOICES,
        default="",
        description="Obligatoire pour un employeur.",
    )
    city = StringField(
        "Commune", validators=[Optional(), Length(max=120, message="120 caractères au plus.")]
    )

    def validate_sector(self, field):
        if self.kind.data == OrganisationKind.EMPLOYER and not field.data:
            raise ValidationError("Choisissez le secteur de cet employeur.")

