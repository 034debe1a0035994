"""Forms of the payment app: validation only (STYLE.md); the services do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from care_portal.core.forms import ChampsDsfrMixin
from care_portal.referentiel.models import AppelAFinancement

from . import dates
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

    def clean(self):
        data = super().clean()
        verifier_en_vigueur(self, data.get("appel"), data.get("en_vigueur_le"))
        return data


def verifier_en_vigueur(form: forms.Form, appel, le) -> None:
    """A ceiling grid's date in force falls within its call's years (``dates.erreur_en_vigueur``): the
    same check for the import form and the admin form."""
    if appel is not None and le is not None:
        erreur = dates.erreur_en_vigueur(le, appel=str(appel), candidature_debut=appel.candidature_debut,
                                         paiement_fin=appel.paiement_fin)
        if erreur:
            form.add_error("en_vigueur_le", erreur)


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

    def __init__(self, *args, ordonnance_le=None, **kwargs):
        """``ordonnance_le``: the payment's order day, the earliest paid date (``dates.erreur_date_paiement``)."""
        super().__init__(*args, **kwargs)
        self.ordonnance_le = ordonnance_le

    def clean_le(self):
        le = self.cleaned_data["le"]
        erreur = dates.erreur_date_paiement(le, ordonnance_le=self.ordonnance_le, aujourd_hui=timezone.localdate())
        if erreur:
            raise forms.ValidationError(erreur)
        return le


class LotForm(ChampsDsfrMixin, forms.Form):
    date_execution = forms.DateField(
        label="Date d'exécution demandée", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date d'exécution demandée.",
                        "invalid": "Saisissez une date valide, par exemple 12/06/2025."})

    def __init__(self, *args, fenetres=(), **kwargs):
        """``fenetres``: the payment windows of the calls of the payments waiting for a batch."""
        super().__init__(*args, **kwargs)
        self.fenetres = list(fenetres)

    def clean_date_execution(self):
        date = self.cleaned_data["date_execution"]
        erreur = dates.erreur_date_execution(date, aujourd_hui=timezone.localdate(), fenetres=self.fenetres)
        if erreur:
            raise forms.ValidationError(erreur)
        return date


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
