"""Forms of the authentication pages: validation only (the views call the services).

No account enumeration: a wrong password, an unknown address and a deactivated account get the
same message. Only after a correct password does an unverified address say so.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError

from care_portal.core.forms import ChampsDsfrMixin
from care_portal.notifications.services import envoyer_email

MESSAGE_IDENTIFIANTS = (
    "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie ; après plusieurs erreurs, "
    "la connexion est bloquée pendant quelques minutes."
)
MESSAGE_EMAIL_NON_VERIFIE = (
    "Votre adresse e-mail n'est pas encore vérifiée : un nouveau lien vient de vous être envoyé."
)


def identifiant_axes(request, credentials) -> str:
    """The login name as django-axes counts failures: case and spaces do not give new tries."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower()


class ConnexionForm(ChampsDsfrMixin, AuthenticationForm):
    # A CharField, not an EmailField: a malformed address gets the generic message like any other.
    username = forms.CharField(
        label="Adresse e-mail", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True, "spellcheck": "false"}),
        error_messages={"required": "Saisissez votre adresse e-mail."},
    )
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Saisissez votre mot de passe."},
    )
    champs_des_erreurs_globales = ("username", "password")
    error_messages = {
        "invalid_login": MESSAGE_IDENTIFIANTS,
        "inactive": MESSAGE_IDENTIFIANTS,
        "email_non_verifie": MESSAGE_EMAIL_NON_VERIFIE,
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise self.get_invalid_login_error()
        if not user.email_verifie_le:
            raise ValidationError(self.error_messages["email_non_verifie"], code="email_non_verifie")


class CodeForm(ChampsDsfrMixin, forms.Form):
    code = forms.CharField(
        label="Code de vérification", max_length=20, strip=True,
        help_text="Les 6 chiffres affichés par votre application d'authentification, ou un code de secours.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                                      "autocapitalize": "off"}),
        error_messages={"required": "Saisissez le code affiché par votre application."},
    )

    def __init__(self, *args, enrolement: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if enrolement:
            field.help_text = "Les 6 chiffres affichés par votre application après l'ajout du compte eCaRE."
            field.widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*", "maxlength": "7"})


class ReinitialisationDemandeForm(ChampsDsfrMixin, PasswordResetForm):
    email = forms.EmailField(
        label="Adresse e-mail", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={"required": "Saisissez votre adresse e-mail.",
                        "invalid": "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."},
    )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        envoyer_email([to_email], "Réinitialisation de votre mot de passe", "mot_de_passe_reinitialisation",
                      context)


class NouveauMotDePasseMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmation du nouveau mot de passe"
        self.fields["new_password1"].help_text = (
            "Au moins 12 caractères ; évitez un mot de passe courant, entièrement numérique ou proche "
            "de votre nom ou de votre adresse e-mail."
        )
        self.fields["new_password2"].help_text = "Saisissez le même mot de passe, pour vérification."
        self.error_messages = {**self.error_messages,
                               "password_mismatch": "Les deux mots de passe ne sont pas identiques."}


class ReinitialisationForm(ChampsDsfrMixin, NouveauMotDePasseMixin, SetPasswordForm):
    pass


class ChangementMotDePasseForm(ChampsDsfrMixin, NouveauMotDePasseMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.error_messages = {**self.error_messages,
                               "password_incorrect": "Le mot de passe actuel est incorrect."}
