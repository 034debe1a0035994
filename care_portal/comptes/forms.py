"""Forms of the sign-up, membership and invitation pages: validation only (STYLE.md), the views hand
``cleaned_data`` to the services."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from care_portal.referentiel.recherche import etablissement_par_valeur

from .models import User
from .roles import ROLES_INSCRIPTION, ROLES_INVITABLES

EMAIL_INVALIDE = {"invalid": "Saisissez une adresse e-mail valide, par exemple prenom.nom@etablissement.fr."}
MESSAGE_ETABLISSEMENT_INCONNU = (
    "L'établissement choisi n'existe pas dans le référentiel FINESS : recherchez-le à nouveau et "
    "sélectionnez-le dans la liste."
)
_TELEPHONE = re.compile(r"^\+?[0-9 .()\-]{10,20}$")


def _choix(roles) -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in roles]


class RechercheEtablissementForm(DsfrBaseForm):
    q = forms.CharField(
        label="Nom, commune ou numéro FINESS de votre établissement", required=False, max_length=100,
        help_text="Par exemple : « Centre hospitalier de Libourne », « Bordeaux » ou « 330781196 ».",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class _IdentiteMixin(forms.Form):
    prenom = forms.CharField(label="Prénom", max_length=150,
                             widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    nom = forms.CharField(label="Nom", max_length=150,
                          widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    telephone = forms.CharField(
        label="Téléphone professionnel", max_length=30, required=False,
        help_text="Facultatif. Format attendu : 05 56 00 00 00 ou +33 5 56 00 00 00.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    fonction = forms.CharField(
        label="Fonction", max_length=150, help_text="Par exemple : directeur des systèmes d'information.",
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    password1 = forms.CharField(
        label="Mot de passe", strip=False,
        help_text="Au moins 12 caractères ; évitez les mots de passe courants et ceux qui ressemblent à "
                  "votre nom ou à votre adresse e-mail.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_telephone(self) -> str:
        tel = self.cleaned_data["telephone"].strip()
        if tel and (not _TELEPHONE.match(tel) or sum(c.isdigit() for c in tel) < 10):
            raise ValidationError("Saisissez un numéro de téléphone valide, par exemple 05 56 00 00 00.")
        return tel

    def _email_pour_validation(self) -> str:
        raise NotImplementedError

    def _verifier_mots_de_passe(self) -> None:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if not p1:
            return
        if p2 is not None and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        # The similarity validator compares with the identity the person typed.
        candidat = User(email=self._email_pour_validation() or "", prenom=self.cleaned_data.get("prenom", ""),
                        nom=self.cleaned_data.get("nom", ""))
        try:
            password_validation.validate_password(p1, candidat)
        except ValidationError as exc:
            self.add_error("password1", exc)


class InscriptionForm(_IdentiteMixin, DsfrBaseForm):
    """Step 2 of the sign-up: identity, claimed role and password for the establishment chosen at step 1."""

    etablissement = forms.CharField(widget=forms.HiddenInput, error_messages={
        "required": MESSAGE_ETABLISSEMENT_INCONNU})
    email = forms.EmailField(
        label="Adresse e-mail professionnelle", max_length=254, error_messages=EMAIL_INVALIDE,
        help_text="Un lien de confirmation y sera envoyé.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    role = forms.ChoiceField(
        label="Votre rôle dans le programme CaRE", choices=_choix(ROLES_INSCRIPTION), widget=forms.RadioSelect,
        help_text="Il sera vérifié par un référent de votre structure, par l'ARS de votre région ou par l'ANS.",
    )

    field_order = ["etablissement", "prenom", "nom", "email", "telephone", "fonction", "role",
                   "password1", "password2"]

    def clean_etablissement(self):
        etablissement = etablissement_par_valeur(self.cleaned_data["etablissement"])
        if etablissement is None:
            raise ValidationError(MESSAGE_ETABLISSEMENT_INCONNU, code="inconnu")
        return etablissement

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def _email_pour_validation(self) -> str:
        return self.cleaned_data.get("email", "")

    def clean(self):
        cleaned = super().clean()
        self._verifier_mots_de_passe()
        return cleaned


class InvitationCompteForm(_IdentiteMixin, DsfrBaseForm):
    """Account creation from an invitation: the e-mail address is the invited one, not a field."""

    field_order = ["prenom", "nom", "telephone", "fonction", "password1", "password2"]

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def _email_pour_validation(self) -> str:
        return self.email

    def clean(self):
        cleaned = super().clean()
        self._verifier_mots_de_passe()
        return cleaned


class RefusForm(DsfrBaseForm):
    motif = forms.CharField(
        label="Motif du refus", max_length=2000,
        help_text="Il est transmis au demandeur par e-mail.",
        error_messages={"required": "Indiquez le motif du refus : il est transmis au demandeur."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(label="Adresse e-mail de la personne invitée", max_length=254,
                             error_messages=EMAIL_INVALIDE,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Rôle", choices=_choix(ROLES_INVITABLES))
    structure = forms.ChoiceField(label="Structure")

    def __init__(self, *args, structures: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = structures
        if len(structures) == 1:
            self.fields["structure"].initial = structures[0][0]
            self.fields["structure"].widget = forms.HiddenInput()

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
