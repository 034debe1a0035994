"""Forms of the payment app: validation only (STYLE.md); the services do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from care_portal.core.forms import ChampsDsfrMixin
from care_portal.referentiel.models import AppelAFinancement

from .imports import TAILLE_MAX


class RechercheStructureForm(forms.Form):
    q = forms.CharField(
        label="Nom, commune ou numéro FINESS de l'établissement", required=False, max_length=100,
        help_text="Par exemple : « Centre hospitalier de Libourne », « Bordeaux » ou « 330781196 ».",
    )


class ImportPlafondsForm(ChampsDsfrMixin, forms.Form):
    appel = forms.ModelChoiceField(
        label="Appel à financement", queryset=AppelAFinancement.objects.order_by("-candidature_debut"),
        empty_label="Choisissez l'appel", error_messages={"required": "Choisissez l'appel à financement.",
                                                          "invalid_choice": "Cet appel n'existe pas."},
    )
    fichier = forms.FileField(
        label="Fichier de la matrice (.csv ou .xlsx)",
        help_text="Colonnes : type_structure, activite_min, activite_max, montant. Une tranche par ligne.",
        error_messages={"required": "Choisissez le fichier à importer."},
    )
    en_vigueur_le = forms.DateField(
        label="En vigueur à partir du", required=False, help_text="Vide : aujourd'hui. Format : 10/06/2024.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 10/06/2024."},
    )
    illustrative = forms.BooleanField(
        label="Montants indicatifs (non officiels)", required=False,
        help_text="Le simulateur public affichera « montants indicatifs ».",
    )
    commentaire = forms.CharField(label="Commentaire", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appel"].widget.attrs["class"] = "fr-select"
        self.fields["fichier"].widget.attrs.update({"class": "fr-upload", "accept": ".csv,.xlsx"})
        self.fields["illustrative"].widget.attrs.pop("class", None)

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        if f.size > TAILLE_MAX:
            raise forms.ValidationError("Le fichier dépasse 2 Mo.")
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Importez un fichier .csv ou .xlsx.")
        return f

    def clean_en_vigueur_le(self):
        return self.cleaned_data.get("en_vigueur_le") or timezone.localdate()


# --- payments -------------------------------------------------------------------------------------------

class RejetForm(ChampsDsfrMixin, forms.Form):
    motif = forms.CharField(label="Motif du rejet", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": "Indiquez le motif du rejet."})


class PaiementManuelForm(ChampsDsfrMixin, forms.Form):
    le = forms.DateField(label="Date du virement", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                         error_messages={"required": "Indiquez la date du virement.",
                                         "invalid": "Saisissez une date valide, par exemple 12/06/2025."})
    reference_bancaire = forms.CharField(label="Référence bancaire", max_length=100,
                                         error_messages={"required": "Indiquez la référence bancaire du virement."})


class LotForm(ChampsDsfrMixin, forms.Form):
    date_execution = forms.DateField(
        label="Date d'exécution demandée", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date d'exécution demandée.",
                        "invalid": "Saisissez une date valide, par exemple 12/06/2025."})


class ConfirmationForm(ChampsDsfrMixin, forms.Form):
    fichier = forms.FileField(
        label="Fichier de confirmation de la banque (.csv)",
        help_text="Colonnes : reference;date;reference_bancaire — une ligne par virement exécuté.",
        error_messages={"required": "Choisissez le fichier de confirmation."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs.update({"class": "fr-upload", "accept": ".csv,.txt"})

    def clean_fichier(self):
        from .confirmation import TAILLE_MAX as MAX_CONFIRMATION

        f = self.cleaned_data["fichier"]
        if f.size > MAX_CONFIRMATION:
            raise forms.ValidationError("Le fichier dépasse 2 Mo.")
        return f
