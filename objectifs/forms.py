"""Forms of the objectives page: validation of the request only (types, required fields, French
messages); the views hand ``cleaned_data`` to the services, which check the rules again (dates
against the call, score 1–5, duplicates, amounts, perimeter lines). A service refusal is shown on
the field it is about (``CHAMP_DU_CODE``)."""

from __future__ import annotations

from django import forms

from candidatures.models import Candidature
from care_portal.core.forms import ChampsDsfrMixin

from .models import AuditADS, AuditExposition, ExerciceCrise

FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]
MESSAGE_DATE = "Saisissez une date valide, par exemple 15/03/2025."


def _date(label: str, required: bool = True, aide: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, input_formats=FORMATS_DATE, help_text=aide,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"required": f"Indiquez {label[0].lower()}{label[1:]}.",
                                           "invalid": MESSAGE_DATE})


def _fichier(label: str, required: bool = True, aide: str = "") -> forms.FileField:
    return forms.FileField(label=label, required=required, help_text=aide,
                           error_messages={"required": f"Joignez : {label[0].lower()}{label[1:]}.",
                                           "empty": "Le fichier est vide."})


def _entier(label: str, required: bool = True, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, error_messages={
        "required": f"Indiquez : {label[0].lower()}{label[1:]}.", "invalid": f"« {label} » est un nombre entier."},
        **kwargs)


CHOIX_FAIT = [("", "Non renseigné"), ("oui", "Oui"), ("non", "Non")]


def _fait(label: str) -> forms.TypedChoiceField:
    """A declared fact: oui / non / non renseigné (None: the rule says what is missing)."""
    return forms.TypedChoiceField(label=label, required=False, choices=CHOIX_FAIT, empty_value=None,
                                  coerce=lambda v: {"oui": True, "non": False}.get(v))


def _initial_fait(valeur: bool | None) -> str:
    return "" if valeur is None else "oui" if valeur else "non"


class _FormulaireDossier(ChampsDsfrMixin, forms.Form):
    """A form bound to one candidature: the choices of establishments are its included perimeter lines."""

    champs_structures: tuple[str, ...] = ()

    def __init__(self, *args, candidature: Candidature, **kwargs):
        kwargs.setdefault("prefix", self.prefixe)
        super().__init__(*args, **kwargs)
        self.candidature = candidature
        lignes = [ligne for ligne in candidature.perimetre.all() if ligne.inclus]
        choix = [(ligne.pk, f"{ligne.libelle} ({ligne.finess})") for ligne in lignes]
        for nom in self.champs_structures:
            self.fields[nom].choices = choix if nom != "structure" else [("", "Choisissez un établissement"), *choix]
        for champ in self.fields.values():
            widget = champ.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                widget.attrs.pop("class", None)
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "fr-select"
            elif isinstance(widget, forms.FileInput):
                widget.attrs["class"] = "fr-upload"

    prefixe = "form"


class ActiveDirectoryForm(_FormulaireDossier):
    prefixe = "ad"
    champs_structures = ("structures",)
    nom = forms.CharField(label="Nom de l'Active Directory (domaine ou forêt)", max_length=255,
                          help_text="Par exemple hopital.local", error_messages={
                              "required": "Indiquez le nom de l'Active Directory (domaine ou forêt)."})
    structures = forms.TypedMultipleChoiceField(
        label="Établissements desservis", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un établissement desservi par cet AD."})
    description = _fichier("Description de l'infrastructure AD et de ses interconnexions", required=False)


class AuditADSForm(_FormulaireDossier):
    prefixe = "ads"
    active_directory = forms.TypedChoiceField(label="Active Directory audité", coerce=int, error_messages={
        "required": "Choisissez l'Active Directory audité."})
    date = _date("Date de l'audit")
    score = _entier("Score ADS (de 1 à 5)")
    rapport = _fichier("Rapport ORADAD / ADS")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["active_directory"].choices = [("", "Choisissez un AD"), *(
            (ad.pk, ad.nom) for ad in self.candidature.active_directories.all())]
        self.fields["score"].widget.attrs["inputmode"] = "numeric"


class AuditADSModifierForm(ChampsDsfrMixin, forms.Form):
    date = _date("Date de l'audit")
    score = _entier("Score ADS (de 1 à 5)")
    rapport = _fichier("Nouvelle version du rapport", required=False)

    def __init__(self, *args, audit: AuditADS, **kwargs):
        kwargs.setdefault("prefix", f"audit-{audit.pk}")
        kwargs.setdefault("initial", {"date": audit.date, "score": audit.score})
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.fields["rapport"].widget.attrs["class"] = "fr-upload"


class AuditExpositionForm(_FormulaireDossier):
    prefixe = "expo"
    champs_structures = ("structures",)
    date = _date("Date de l'audit")
    outil = forms.ChoiceField(label="Outil", choices=[("", "Choisissez l'outil"), *AuditExposition.Outil.choices],
                              error_messages={"required": "Choisissez l'outil utilisé."})
    outil_nom = forms.CharField(label="Nom de l'outil industriel", required=False, max_length=150,
                                help_text="Obligatoire pour un outil industriel.")
    structures = forms.TypedMultipleChoiceField(
        label="Établissements couverts", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un établissement couvert par l'audit."})
    critiques = _entier("Vulnérabilités critiques", min_value=0)
    hautes = _entier("Vulnérabilités hautes", required=False, min_value=0)
    moyennes = _entier("Vulnérabilités moyennes", required=False, min_value=0)
    faibles = _entier("Vulnérabilités faibles", required=False, min_value=0)
    rapport = _fichier("Rapport d'audit")
    perimetre = forms.CharField(
        label="Périmètre : domaines exposés et adresses IP publiques", required=False,
        widget=forms.Textarea(attrs={"rows": 3}), max_length=200_000,
        help_text="Un domaine ou une adresse IP par ligne, par exemple portail.ch-exemple.fr ou 92.103.42.17.")
    fichier_csv = _fichier("Ou un fichier CSV du périmètre", required=False,
                           aide="Une ligne par élément : valeur;type (domaine ou ip), en-tête facultatif.")


class PerimetreExpositionForm(ChampsDsfrMixin, forms.Form):
    perimetre = AuditExpositionForm.base_fields["perimetre"]
    fichier_csv = AuditExpositionForm.base_fields["fichier_csv"]

    def __init__(self, *args, audit: AuditExposition, **kwargs):
        kwargs.setdefault("prefix", f"perimetre-{audit.pk}")
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.fields["fichier_csv"].widget.attrs["class"] = "fr-upload"


class ExerciceForm(_FormulaireDossier):
    prefixe = "exercice"
    champs_structures = ("structure",)
    structure = forms.TypedChoiceField(label="Établissement", coerce=int, error_messages={
        "required": "Choisissez l'établissement qui a fait l'exercice."})
    date = _date("Date de l'exercice")
    kit = forms.ChoiceField(label="Kit ANS utilisé", choices=[("", "Choisissez le kit"), *ExerciceCrise.Kit.choices],
                            error_messages={"required": "Choisissez le kit ANS utilisé."})
    type_preuve = forms.ChoiceField(label="Preuve", choices=ExerciceCrise.TypePreuve.choices,
                                    widget=forms.RadioSelect, initial=ExerciceCrise.TypePreuve.RAPPORT,
                                    error_messages={"required": "Précisez la nature de la preuve."})
    fournisseur = forms.ChoiceField(label="Preuve fournie par", choices=ExerciceCrise.Fournisseur.choices,
                                    error_messages={"required": "Précisez qui fournit la preuve."})
    document = _fichier("Rapport d'exercice ou attestation")


class OsisForm(_FormulaireDossier):
    prefixe = "osis"
    champs_structures = ("structure",)
    structure = ExerciceForm.base_fields["structure"]
    date = _date("Date de saisie dans oSIS")
    part_budget_renseignee = forms.BooleanField(label="Part du budget numérique renseignée dans oSIS",
                                                required=False)
    mesures_prioritaires = _entier("Mesures prioritaires renseignées (sur 43)", min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].error_messages["required"] = "Choisissez l'établissement."


class BudgetForm(_FormulaireDossier):
    prefixe = "budget"
    champs_structures = ("structure",)
    structure = ExerciceForm.base_fields["structure"]
    budget_general = forms.CharField(label="Budget général (€)", max_length=20,
                                     error_messages={"required": "Indiquez le budget général."})
    budget_numerique = forms.CharField(label="Budget numérique (€)", max_length=20,
                                       error_messages={"required": "Indiquez le budget numérique."})
    etp_securite = forms.CharField(label="ETP sécurité (DSI + RSSI)", max_length=10,
                                   error_messages={"required": "Indiquez les ETP consacrés à la sécurité."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].error_messages["required"] = "Choisissez l'établissement."
        for nom in ("budget_general", "budget_numerique", "etp_securite"):
            self.fields[nom].widget.attrs["inputmode"] = "decimal"


class GouvernanceForm(_FormulaireDossier):
    prefixe = "gouvernance"
    referent_projet = forms.CharField(label="Référent projet (nom et fonction)", max_length=150, required=False)
    referent_nomme_par_directeur = _fait("Le référent est nommé par le directeur de l'établissement support")
    equipe_ad_unique = _fait("Une équipe opérationnelle unique gère les AD du GHT")
    sdsi_volet_organisationnel = _fait("Le volet organisationnel des sujets AD est intégré au schéma directeur de "
                                       "convergence des SI du GHT")
    sdsi_volet_technique = _fait("Le volet technique des sujets AD est intégré au schéma directeur de convergence "
                                 "des SI du GHT")
    schema_gouvernance = _fichier("Schéma de gouvernance", required=False)
    equipe_projet = _fichier("Composition de l'équipe projet", required=False)
    schema_directeur = _fichier("Extrait du schéma directeur de convergence des SI (sujets AD, facultatif)",
                                required=False)

    FAITS = ("referent_nomme_par_directeur", "equipe_ad_unique", "sdsi_volet_organisationnel", "sdsi_volet_technique")

    def __init__(self, *args, **kwargs):
        c = kwargs["candidature"]
        g = getattr(c, "gouvernance_ght", None) if hasattr(c, "gouvernance_ght") else None
        if g is not None:
            kwargs.setdefault("initial", {"referent_projet": g.referent_projet,
                                          **{nom: _initial_fait(getattr(g, nom)) for nom in self.FAITS}})
        super().__init__(*args, **kwargs)


class ConvergenceForm(_FormulaireDossier):
    prefixe = "convergence"
    deja_convergee = forms.BooleanField(label="Les AD du GHT ont déjà convergé", required=False)
    description = forms.CharField(label="Description de l'AD convergé", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    valide_dsi = _fait("Trajectoire validée par le DSI de l'établissement support")
    valide_comite = _fait("Trajectoire validée par le comité stratégique du GHT")
    date_convergence = _date("Date de convergence prévue", required=False)
    budget = forms.CharField(label="Budget prévisionnel de la convergence (€)", required=False, max_length=20)
    responsable = forms.CharField(label="Responsable de la convergence des AD", required=False, max_length=150)
    equipes_mutualisees = _fait("Les équipes SI dédiées à la convergence des AD sont mutualisées")
    structures = forms.TypedMultipleChoiceField(
        label="Établissements du GHT adressés par la trajectoire", coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)
    document = _fichier("Trajectoire de convergence ou description de l'AD convergé", required=False)
    champs_structures = ("structures",)

    def __init__(self, *args, **kwargs):
        c = kwargs["candidature"]
        v = getattr(c, "convergence_ad", None) if hasattr(c, "convergence_ad") else None
        if v is not None:
            kwargs.setdefault("initial", {
                "deja_convergee": v.deja_convergee, "description": v.description,
                "valide_dsi": _initial_fait(v.valide_dsi), "valide_comite": _initial_fait(v.valide_comite),
                "date_convergence": v.date_convergence, "budget": v.budget, "responsable": v.responsable,
                "equipes_mutualisees": _initial_fait(v.equipes_mutualisees),
                "structures": [s.pk for s in v.structures.all()]})
        super().__init__(*args, **kwargs)
        self.fields["budget"].widget.attrs["inputmode"] = "decimal"
