"""Forms of the agents' desk: validation only, each hands its cleaned data to a service (services.py)."""

from __future__ import annotations

from django import forms

from .models import Couleur
from .services import LONGUEUR_MAX_NOTE


class NoteForm(forms.Form):
    texte = forms.CharField(
        label="Note privée", max_length=LONGUEUR_MAX_NOTE,
        help_text="Visible des agents de l'ARS de la région et de l'ANS, jamais de l'établissement. "
                  "Une note ne se modifie ni ne se supprime.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "fr-input"}),
        error_messages={"required": "Écrivez la note avant de l'enregistrer.",
                        "max_length": f"La note dépasse {LONGUEUR_MAX_NOTE} caractères : raccourcissez-la."})
    mentions = forms.ModelMultipleChoiceField(
        label="Mentionner des collègues", required=False, queryset=None,
        help_text="Ils sont prévenus par e-mail et dans leur centre de notifications.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "On ne mentionne que des agents qui voient ce dossier.",
                        "invalid_pk_value": "On ne mentionne que des agents qui voient ce dossier."})

    def __init__(self, *args, mentionnables=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["mentions"].queryset = mentionnables if mentionnables is not None else \
            get_user_model().objects.none()


class AffecterForm(forms.Form):
    agent = forms.ModelChoiceField(
        label="Affecter à", queryset=None, empty_label="Choisir un agent",
        error_messages={"required": "Choisissez l'agent à qui affecter le dossier.",
                        "invalid_choice": "On n'affecte un dossier qu'à un agent de votre agence."})

    def __init__(self, *args, collegues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = collegues


class EtiquetteForm(forms.Form):
    libelle = forms.CharField(label="Libellé", max_length=40,
                              widget=forms.TextInput(attrs={"class": "fr-input"}),
                              error_messages={"required": "Donnez un libellé à l'étiquette.",
                                              "max_length": "Le libellé d'une étiquette tient en 40 caractères."})
    couleur = forms.ChoiceField(label="Couleur", choices=Couleur.choices,
                                widget=forms.Select(attrs={"class": "fr-select"}),
                                error_messages={"invalid_choice": "Choisissez une couleur dans la liste."})


class PoseForm(forms.Form):
    etiquette = forms.ModelChoiceField(
        label="Étiquette", queryset=None, empty_label="Choisir une étiquette",
        error_messages={"required": "Choisissez une étiquette.",
                        "invalid_choice": "Cette étiquette n'est pas une de celles de votre agence."})

    def __init__(self, *args, etiquettes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etiquette"].queryset = etiquettes


class FiltreEnregistreForm(forms.Form):
    nom = forms.CharField(label="Nom du filtre", max_length=80,
                          widget=forms.TextInput(attrs={"class": "fr-input"}),
                          error_messages={"required": "Donnez un nom au filtre.",
                                          "max_length": "Le nom d'un filtre tient en 80 caractères."})
    requete = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
