"""The confirmation of a first federated login: the portal password of the account to link."""

from __future__ import annotations

from django import forms

from care_portal.core.forms import ChampsDsfrMixin


class ConfirmationLiaisonForm(ChampsDsfrMixin, forms.Form):
    password = forms.CharField(
        label="Mot de passe eCaRE", strip=False,
        help_text="Le mot de passe de votre compte eCaRE : il prouve que ce compte est bien le vôtre.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Saisissez le mot de passe de votre compte eCaRE."},
    )
