"""Forms of the declaration pages: validation of the request only; the services check the rules
(period, objectives, amounts, window, rights) again."""

from __future__ import annotations

from django import forms

from care_portal.core.forms import ChampsDsfrMixin

from .models import Categorie, Declaration


class LigneForm(ChampsDsfrMixin, forms.Form):
    """One cost of the bilan. Amounts are typed as text (« 1 234,50 ») and read by bilan.lire_montant."""

    objectif = forms.ChoiceField(label="Objectif")
    categorie = forms.ChoiceField(label="Catégorie", choices=Categorie.choices)
    libelle = forms.CharField(label="Libellé de la dépense", max_length=255)
    fournisseur = forms.CharField(label="Fournisseur ou personnel", max_length=255)
    date = forms.DateField(label="Date de la dépense", widget=forms.DateInput(attrs={"type": "date"}))
    montant_ht = forms.CharField(label="Montant HT (€)", max_length=20, help_text="Par exemple 1 234,50")
    montant_ttc = forms.CharField(label="Montant TTC (€)", max_length=20, help_text="Par exemple 1 481,40")
    justificatif = forms.FileField(label="Pièce justificative (facultatif)", required=False)

    def __init__(self, *args, objectifs: dict[str, str], **kwargs):
        kwargs.setdefault("prefix", "ligne")
        super().__init__(*args, **kwargs)
        self.fields["objectif"].choices = [(code, f"{code} — {titre}") for code, titre in objectifs.items()]
        for nom in ("objectif", "categorie"):
            self.fields[nom].widget.attrs["class"] = "fr-select"
        for nom in ("montant_ht", "montant_ttc"):
            self.fields[nom].widget.attrs["inputmode"] = "decimal"
        self.fields["justificatif"].widget.attrs["class"] = "fr-upload"


class ImportForm(ChampsDsfrMixin, forms.Form):
    fichier = forms.FileField(label="Fichier du bilan (.xlsx)",
                              help_text="Le modèle téléchargé et rempli, une dépense par ligne.",
                              error_messages={"required": "Choisissez le fichier à importer."})
    remplacer = forms.BooleanField(label="Remplacer les lignes déjà saisies (sauf celles qui ont un justificatif)",
                                   required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "import")
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs.update({"class": "fr-upload", "accept": ".xlsx"})
        self.fields["remplacer"].widget.attrs.pop("class", None)


class DepotForm(ChampsDsfrMixin, forms.Form):
    certifie = forms.BooleanField(
        label="Je certifie que l'établissement conserve l'ensemble des pièces justificatives des dépenses "
              "déclarées et les tient à la disposition de l'ANS pour le contrôle.",
        error_messages={"required": "Cochez la certification pour déposer la déclaration."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "depot")
        super().__init__(*args, **kwargs)
        self.fields["certifie"].widget.attrs.pop("class", None)


class MotifForm(ChampsDsfrMixin, forms.Form):
    motif = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, libelle: str, message_requis: str, aide: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["motif"]
        champ.label, champ.help_text = libelle, aide
        champ.error_messages["required"] = message_requis


def formulaire_complement(*args, **kwargs) -> MotifForm:
    return MotifForm(*args, prefix="complement", libelle="Ce que l'établissement doit compléter",
                     message_requis="Précisez ce que l'établissement doit compléter.",
                     aide="Envoyé à l'établissement par e-mail et affiché sur la déclaration.", **kwargs)


def formulaire_non_recevable(*args, **kwargs) -> MotifForm:
    return MotifForm(*args, prefix="non_recevable", libelle="Motif de la non-recevabilité",
                     message_requis="Le motif est obligatoire : il est transmis à l'établissement.",
                     aide="Transmis à l'établissement.", **kwargs)


class FiltreFileForm(forms.Form):
    q = forms.CharField(label="Nom ou numéro FINESS", required=False, max_length=100)
    etat = forms.ChoiceField(label="État", required=False, choices=[
        ("", "Toutes les déclarations déposées"),
        *[(e, libelle) for e, libelle in Declaration.Etat.choices if e != Declaration.Etat.BROUILLON]])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["class"] = "fr-input"
        self.fields["etat"].widget.attrs["class"] = "fr-select"

    def filtres(self) -> dict:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
