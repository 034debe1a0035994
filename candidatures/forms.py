"""Forms of the candidature pages: validation of the request only; the views hand ``cleaned_data``
to the services, which check the rules (window, completeness, rights) again."""

from __future__ import annotations

from django import forms

from care_portal.core.forms import ChampsDsfrMixin
from care_portal.referentiel.models import Departement, Region

from .models import Candidature
from .regles import TypeCandidature
from .services import CHAMPS_EDITABLES

FORMULAIRE_BROUILLON = "form-brouillon"  # id of the draft's <form>: its fields sit in several sections

AUTOCOMPLETE = {"nom": "name", "email": "email", "telephone": "tel"}


class CandidatureForm(ChampsDsfrMixin, forms.Form):
    """The draft's fields (contacts, signatory, bank details; for a GHT, whether a decision is needed).

    IBAN and BIC are not refused here: the draft keeps what was typed and the page shows the bank
    check's French message on the field (``ajouter_erreurs_bancaires``)."""

    def __init__(self, *args, candidature: Candidature, **kwargs):
        kwargs.setdefault("initial", {k: getattr(candidature, k) for k in CHAMPS_EDITABLES})
        super().__init__(*args, **kwargs)
        champs = forms.fields_for_model(Candidature, fields=CHAMPS_EDITABLES)
        if candidature.type_candidature != TypeCandidature.GHT:
            champs.pop("decision_support_requise")
        for nom, champ in champs.items():
            champ.required = False  # a draft may be saved half-filled; completeness is checked on submission
            if nom in ("iban", "bic"):
                champ = forms.CharField(label=champ.label, required=False, strip=True)
            self.fields[nom] = champ
        self.fields["iban"].help_text = "27 caractères pour un compte en France, par exemple FR76 3000 6000 …"
        self.fields["bic"].help_text = "8 ou 11 caractères, par exemple AGRIFRPP."
        self.fields["signataire_civilite"].help_text = ("La convention l'écrit ainsi : « représentée par sa "
                                                        "directrice générale, Madame … ».")
        for nom, champ in self.fields.items():
            attrs = champ.widget.attrs
            attrs["form"] = FORMULAIRE_BROUILLON
            suffixe = nom.rsplit("_", 1)[-1]
            if suffixe in AUTOCOMPLETE:
                attrs["autocomplete"] = AUTOCOMPLETE[suffixe]
            if nom in ("iban", "bic"):
                attrs.update({"spellcheck": "false", "autocomplete": "off"})
            if isinstance(champ.widget, forms.Select):
                attrs.setdefault("class", "fr-select")
            if not isinstance(champ.widget, forms.CheckboxInput):
                attrs.setdefault("class", "fr-input")

    def clean_iban(self) -> str:
        iban = "".join((self.cleaned_data.get("iban") or "").split())
        if len(iban) > 34:
            raise forms.ValidationError("Un IBAN compte au plus 34 caractères (sans les espaces).")
        return self.cleaned_data["iban"]

    def clean_bic(self) -> str:
        bic = "".join((self.cleaned_data.get("bic") or "").split())
        if len(bic) > 11:
            raise forms.ValidationError("Un BIC compte 8 ou 11 caractères.")
        return self.cleaned_data["bic"]

    def contacts(self) -> list[tuple[str, list]]:
        """The three contacts, each a fieldset: (legend, [nom, email, telephone])."""
        return [
            (libelle, [self[f"{role}_{champ}"] for champ in ("nom", "email", "telephone")])
            for role, libelle in (("referent", "Référent CaRE"), ("dsi", "Directeur des systèmes d'information (DSI)"),
                                  ("rssi", "Responsable de la sécurité des systèmes d'information (RSSI)"))
        ]

    def donnees_valides(self) -> dict:
        """The fields that passed validation (a draft saves them even when others did not); a field
        missing from the request is left as it is (an unticked checkbox is sent as nothing: False)."""
        self.is_valid()
        return {
            k: v for k, v in self.cleaned_data.items()
            if k not in self.errors and (k in self.data or isinstance(self.fields[k].widget, forms.CheckboxInput))
        }

    def ajouter_erreurs_bancaires(self, verification) -> None:
        """Show the bank check's messages (banque.verifier_coordonnees) as field errors, on a bound
        or an unbound form (the page shows the stored draft's errors when it is opened)."""
        self.errors  # noqa: B018 — builds the error dict (empty for an unbound form)
        for nom, erreur in (("iban", verification.erreur_iban), ("bic", verification.erreur_bic)):
            if erreur and nom in self.fields and erreur not in self._errors.get(nom, []):
                self._errors.setdefault(nom, self.error_class(renderer=self.renderer)).append(erreur)
        self._annoter_erreurs()


class PerimetreForm(ChampsDsfrMixin, forms.Form):
    activite = forms.CharField(
        label="Activité combinée", max_length=30,
        error_messages={"required": "Indiquez l'activité combinée de la structure."},
    )
    inclus = forms.BooleanField(label="Inclure dans le périmètre de la candidature", required=False)
    motif = forms.CharField(
        label="Motif de l'ajustement", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        help_text="Obligatoire : il est montré à l'ARS qui instruit la candidature.",
        error_messages={"required": "Indiquez le motif de l'ajustement du périmètre."},
    )

    def __init__(self, *args, ligne=None, **kwargs):
        if ligne is not None:
            kwargs.setdefault("prefix", f"ligne-{ligne.pk}")
            kwargs.setdefault("initial", {"activite": ligne.activite_combinee, "inclus": ligne.inclus})
        super().__init__(*args, **kwargs)
        self.fields["inclus"].widget.attrs.pop("class", None)
        self.fields["activite"].widget.attrs["inputmode"] = "decimal"


class MotifForm(ChampsDsfrMixin, forms.Form):
    """A text the action needs (complement request, rejection) or accepts (withdrawal)."""

    motif = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, libelle: str, requis: bool = True, message_requis: str = "", aide: str = "",
                 **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["motif"]
        champ.label, champ.required, champ.help_text = libelle, requis, aide
        if message_requis:
            champ.error_messages["required"] = message_requis


def formulaire_complement(*args, **kwargs) -> MotifForm:
    return MotifForm(*args, prefix="complement", libelle="Ce que l'établissement doit compléter",
                     message_requis="Précisez ce que l'établissement doit compléter.",
                     aide="Ce message est envoyé à l'établissement par e-mail et affiché sur son dossier.", **kwargs)


def formulaire_rejet(*args, **kwargs) -> MotifForm:
    return MotifForm(*args, prefix="rejet", libelle="Motif du rejet",
                     message_requis="Le motif du rejet est obligatoire : il est transmis à l'établissement.",
                     aide="Transmis à l'établissement.", **kwargs)


def formulaire_retrait(*args, **kwargs) -> MotifForm:
    return MotifForm(*args, prefix="retrait", libelle="Motif du retrait (facultatif)", requis=False,
                     aide="Transmis à l'ARS si la candidature était déposée.", **kwargs)


class FichiersMultiples(forms.ClearableFileInput):
    allow_multiple_selected = True


class ChampFichiers(forms.FileField):
    widget = FichiersMultiples

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(ChampFichiers, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class MessageForm(ChampsDsfrMixin, forms.Form):
    corps = forms.CharField(
        label="Votre message", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000,
        error_messages={"required": "Écrivez votre message."},
    )
    pieces_jointes = ChampFichiers(label="Pièces jointes (facultatif)", required=False, allow_empty_file=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "message")
        super().__init__(*args, **kwargs)
        self.fields["pieces_jointes"].widget.attrs["class"] = "fr-upload"


ETATS_FILE = [("", "Tous les dossiers déposés"), *Candidature.Etat.choices]


class FiltreFileForm(forms.Form):
    """The ARS queue's filters (GET): state, type, département, region (ANS or several regions), search."""

    q = forms.CharField(label="Nom ou numéro FINESS", required=False, max_length=100)
    etat = forms.ChoiceField(label="État", required=False, choices=ETATS_FILE)
    type = forms.ChoiceField(label="Type de structure", required=False,
                             choices=[("", "Tous les types"), *TypeCandidature.CHOICES])
    departement = forms.ModelChoiceField(label="Département", required=False, queryset=Departement.objects.none(),
                                         empty_label="Tous les départements", to_field_name="code")
    region = forms.ModelChoiceField(label="Région", required=False, queryset=Region.objects.none(),
                                    empty_label="Toutes les régions", to_field_name="code")
    tri = forms.ChoiceField(label="Ordre", required=False, choices=[
        ("depot", "Date de dépôt : la plus ancienne d'abord"),
        ("-depot", "Date de dépôt : la plus récente d'abord"),
    ])

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        regions = list(regions)
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("nom")
        self.fields["departement"].queryset = (
            Departement.objects.filter(region__in=[r.pk for r in regions]).order_by("code")
        )
        self.plusieurs_regions = len(regions) > 1
        if not self.plusieurs_regions:
            del self.fields["region"]
        for nom, champ in self.fields.items():
            champ.widget.attrs["class"] = "fr-input" if nom == "q" else "fr-select"

    def filtres(self) -> dict:
        """The valid filters (an invalid one, e.g. another region's département, is ignored)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
