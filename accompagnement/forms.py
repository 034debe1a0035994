"""Forms of the support and of the checker: validation only; the services write."""

from __future__ import annotations

from django import forms

from care_portal.core.forms import ChampsDsfrMixin

from .models import Theme
from .services import LONGUEUR_MAX_MESSAGE


class DemandeAideForm(ChampsDsfrMixin, forms.Form):
    theme = forms.ChoiceField(
        label="Sujet", choices=[("", "Choisissez le sujet de votre demande"), *Theme.choices],
        widget=forms.Select(attrs={"class": "fr-select"}),
        help_text="Les questions sur la candidature et la déclaration vont à l'ARS qui instruit votre dossier ; "
                  "les autres à l'Agence du Numérique en Santé.",
        error_messages={"required": "Choisissez le sujet de votre demande.",
                        "invalid_choice": "Choisissez le sujet de votre demande dans la liste."})
    objet = forms.CharField(label="Objet", max_length=200,
                            error_messages={"required": "Donnez un objet à votre demande.",
                                            "max_length": "L'objet ne doit pas dépasser 200 caractères."})
    corps = forms.CharField(label="Votre question", max_length=LONGUEUR_MAX_MESSAGE,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            error_messages={"required": "Écrivez votre question.",
                                            "max_length": f"Le message ne doit pas dépasser {LONGUEUR_MAX_MESSAGE} "
                                                          "caractères."})


class MessageAideForm(ChampsDsfrMixin, forms.Form):
    corps = forms.CharField(label="Votre message", max_length=LONGUEUR_MAX_MESSAGE, required=False,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            error_messages={"max_length": f"Le message ne doit pas dépasser {LONGUEUR_MAX_MESSAGE} "
                                                          "caractères."})
    resoudre = forms.BooleanField(label="Marquer la demande comme résolue", required=False,
                                  widget=forms.CheckboxInput(attrs={"class": ""}))

    def clean(self):
        donnees = super().clean()
        if not (donnees.get("corps") or "").strip() and not donnees.get("resoudre"):
            self.add_error("corps", "Écrivez votre message, ou cochez « Marquer la demande comme résolue ».")
        return donnees


class RechercheForm(forms.Form):
    q = forms.CharField(
        label="Nom, commune ou numéro FINESS de l'établissement", required=False, max_length=100,
        help_text="Par exemple : « Centre hospitalier de Libourne », « Bordeaux » ou « 330781196 ».")
