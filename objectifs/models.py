"""Objectives of Domaine 1 (DESIGN.md §4) as data, and the evidence an establishment enters for them.

Referential (admin-editable, loaded for D1 by migration 0002):
    ``Objectif``  code (D1.O1.A…), title, description, to which candidature types it applies, proofs.
    ``Seuil``     every threshold of the rules with its unit and its source (``selectors.seuils``
                  builds the rules engine's ``Seuils`` from the rows). A row without call is the
                  default; a row tied to a call (``appel``) overrides it for that call's dossiers:
                  the thresholds the ANS may decide otherwise are settings of the call (issue 17).

Evidence (written by ``services`` only, from the candidature's first submission on — states
déposée, complément demandé, complète; every file through the documents service):
    ``ActiveDirectory``    an AD (name / forest) and the perimeter lines (EJ or EG) it serves;
                           document ``description_infrastructure`` (owner: the AD).
    ``AuditADS``           an ADS (ORADAD) audit of one AD: date, score 1–5, report (``rapport``);
                           unique per (AD, date).
    ``AuditExposition``    an internet-exposure audit: date, tool (SILENE or a conforming industrial
                           tool), the structures covered, counts by severity, report; its perimeter
                           is ``ElementExpose`` rows (domains, public IPs; importable from CSV).
    ``ExerciceCrise``      a crisis exercise of one structure: date (kept even outside 2023–2024: the
                           rule explains), ANS kit, report or attestation and who gave it.
    ``Osis``               oSIS self-assessment of one structure (digital budget share filled, how many
                           of the 43 priority measures are filled, date); one per structure.
    ``Budget``             general and digital budgets and security FTE of one structure → share.
    ``GouvernanceGHT``     GHT only: project référent (and whether the support's director named them),
                           single AD team, AD topics in the IS convergence master plan (organisational
                           and technical parts; optional extract ``schema_directeur``), governance
                           diagram, project team. Facts are yes / no / not stated (null).
    ``ConvergenceAD``      GHT only: the convergence trajectory (validated by the support's DSI and the
                           strategic committee, target date, budget, named responsible, pooled IS
                           teams, the establishments it addresses) or an already converged AD.

"Structure" is always a ``candidatures.PerimetreLigne`` of the dossier: an EJ of the GHT, the public
EJ itself, or an EG of a private EJ (the unit each objective counts).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from candidatures.models import Candidature, PerimetreLigne
from candidatures.regles import TypeCandidature

TYPES_TOUS = [t for t, _ in TypeCandidature.CHOICES]


# --- referential --------------------------------------------------------------------------------------

class Objectif(models.Model):
    code = models.CharField("code", max_length=20, unique=True)
    titre = models.CharField("titre", max_length=200)
    description = models.TextField("règle", blank=True)
    types_candidature = models.JSONField(
        "s'applique aux candidatures", default=list,
        help_text="Codes des types de candidature concernés : ght, public_hors_ght, prive_ebnl, prive_lucratif.",
    )
    preuves = models.TextField("preuves attendues", blank=True)
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)

    class Meta:
        verbose_name = "objectif"
        ordering = ["ordre", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.titre}"

    def s_applique_a(self, type_candidature: str) -> bool:
        return type_candidature in (self.types_candidature or [])


class Seuil(models.Model):
    """A threshold of the rules, kept as data with its source (issue 6, point 1); without ``appel`` the
    default of every call, with it a setting of that call (issue 17)."""

    objectif = models.ForeignKey(Objectif, null=True, blank=True, on_delete=models.SET_NULL, related_name="seuils")
    appel = models.ForeignKey("referentiel.AppelAFinancement", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", verbose_name="appel à financement",
                              help_text="Vide : valeur par défaut de tous les appels. Renseigné : valeur propre à "
                                        "cet appel, qui remplace la valeur par défaut.")
    code = models.CharField("code", max_length=60)
    libelle = models.CharField("libellé", max_length=255, blank=True)
    valeur = models.DecimalField("valeur", max_digits=12, decimal_places=4)
    unite = models.CharField("unité", max_length=30, blank=True)
    source = models.TextField("source")

    class Meta:
        verbose_name = "seuil"
        ordering = ["code", "appel"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=models.Q(appel__isnull=True),
                                    name="objectifs_seuil_code_defaut_unique"),
            models.UniqueConstraint(fields=["appel", "code"], condition=models.Q(appel__isnull=False),
                                    name="objectifs_seuil_code_appel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} = {self.valeur.normalize():f} {self.unite}".strip()


# --- evidence ------------------------------------------------------------------------------------------

class _Preuve(models.Model):
    cree_le = models.DateTimeField("saisi le", default=timezone.now)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="saisi par")

    class Meta:
        abstract = True


class ActiveDirectory(_Preuve):
    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="active_directories")
    nom = models.CharField("nom (domaine ou forêt)", max_length=255)
    structures = models.ManyToManyField(PerimetreLigne, related_name="active_directories",
                                        verbose_name="établissements desservis")

    class Meta:
        verbose_name = "Active Directory"
        verbose_name_plural = "Active Directory"
        ordering = ["nom", "pk"]
        constraints = [models.UniqueConstraint(fields=["candidature", "nom"], name="objectifs_ad_nom_unique")]

    def __str__(self) -> str:
        return self.nom


class AuditADS(_Preuve):
    active_directory = models.ForeignKey(ActiveDirectory, on_delete=models.PROTECT, related_name="audits",
                                         verbose_name="Active Directory")
    date = models.DateField("date de l'audit")
    score = models.PositiveSmallIntegerField("score ADS", validators=[MinValueValidator(1), MaxValueValidator(5)])
    rapport = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="rapport ORADAD / ADS")

    class Meta:
        verbose_name = "audit ADS"
        verbose_name_plural = "audits ADS"
        ordering = ["active_directory", "date"]
        constraints = [
            models.UniqueConstraint(fields=["active_directory", "date"], name="objectifs_audit_ads_unique_date"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="objectifs_audit_ads_score"),
        ]

    def __str__(self) -> str:
        return f"Audit ADS de {self.active_directory} du {self.date:%d/%m/%Y} (score {self.score})"


class AuditExposition(_Preuve):
    class Outil(models.TextChoices):
        SILENE = "silene", "SILENE (ANSSI)"
        INDUSTRIEL = "industriel", "Outil industriel conforme au cahier des charges de l'ANS"

    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="audits_exposition")
    date = models.DateField("date de l'audit")
    outil = models.CharField("outil", max_length=20, choices=Outil.choices)
    outil_nom = models.CharField("nom de l'outil industriel", max_length=150, blank=True)
    structures = models.ManyToManyField(PerimetreLigne, related_name="audits_exposition",
                                        verbose_name="établissements couverts")
    vulnerabilites_critiques = models.PositiveIntegerField("vulnérabilités critiques", default=0)
    vulnerabilites_hautes = models.PositiveIntegerField("vulnérabilités hautes", default=0)
    vulnerabilites_moyennes = models.PositiveIntegerField("vulnérabilités moyennes", default=0)
    vulnerabilites_faibles = models.PositiveIntegerField("vulnérabilités faibles", default=0)
    rapport = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="rapport d'audit")

    class Meta:
        verbose_name = "audit d'exposition sur internet"
        verbose_name_plural = "audits d'exposition sur internet"
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"Audit d'exposition du {self.date:%d/%m/%Y} ({self.libelle_outil})"

    @property
    def libelle_outil(self) -> str:
        return self.outil_nom if self.outil == self.Outil.INDUSTRIEL and self.outil_nom else self.get_outil_display()


class ElementExpose(models.Model):
    """One element of an exposure audit's perimeter: an exposed domain or a public IP address."""

    class Type(models.TextChoices):
        DOMAINE = "domaine", "Domaine exposé"
        IP = "ip", "Adresse IP publique"

    audit = models.ForeignKey(AuditExposition, on_delete=models.CASCADE, related_name="elements")
    type = models.CharField("type", max_length=10, choices=Type.choices)
    valeur = models.CharField("valeur", max_length=255)

    class Meta:
        verbose_name = "élément exposé"
        verbose_name_plural = "éléments exposés"
        ordering = ["type", "valeur"]
        constraints = [models.UniqueConstraint(fields=["audit", "valeur"], name="objectifs_element_unique")]

    def __str__(self) -> str:
        return self.valeur


class ExerciceCrise(_Preuve):
    class Kit(models.TextChoices):
        DEBUTANT = "debutant", "Débutant"
        INTERMEDIAIRE = "intermediaire", "Intermédiaire"
        CONFIRME = "confirme", "Confirmé"

    class TypePreuve(models.TextChoices):
        RAPPORT = "rapport", "Rapport d'exercice (modèle ANS)"
        ATTESTATION = "attestation", "Attestation"

    class Fournisseur(models.TextChoices):
        ETABLISSEMENT = "etablissement", "L'établissement (rapport sur le modèle ANS)"
        PRESTATAIRE = "prestataire", "Prestataire"
        ARS = "ars", "ARS"
        GRADES = "grades", "GRADeS"

    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="exercices_crise")
    structure = models.ForeignKey(PerimetreLigne, on_delete=models.PROTECT, related_name="exercices_crise",
                                  verbose_name="établissement")
    date = models.DateField("date de l'exercice")
    kit = models.CharField("kit ANS", max_length=20, choices=Kit.choices)
    type_preuve = models.CharField("preuve", max_length=20, choices=TypePreuve.choices)
    fournisseur = models.CharField("preuve fournie par", max_length=20, choices=Fournisseur.choices)
    document = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="rapport ou attestation")

    class Meta:
        verbose_name = "exercice de crise cyber"
        verbose_name_plural = "exercices de crise cyber"
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"Exercice de crise du {self.date:%d/%m/%Y} — {self.structure.libelle}"


class Osis(_Preuve):
    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="osis")
    structure = models.OneToOneField(PerimetreLigne, on_delete=models.PROTECT, related_name="osis",
                                     verbose_name="établissement")
    part_budget_renseignee = models.BooleanField("part du budget numérique renseignée", default=False)
    mesures_prioritaires = models.PositiveSmallIntegerField(
        "mesures prioritaires renseignées", default=0, validators=[MaxValueValidator(43)],
        help_text="Combien des 43 mesures prioritaires sont renseignées dans oSIS.")
    date = models.DateField("date de saisie dans oSIS")

    class Meta:
        verbose_name = "auto-évaluation oSIS"
        verbose_name_plural = "auto-évaluations oSIS"
        ordering = ["structure"]

    def __str__(self) -> str:
        return f"oSIS — {self.structure.libelle}"


class Budget(_Preuve):
    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="budgets")
    structure = models.OneToOneField(PerimetreLigne, on_delete=models.PROTECT, related_name="budget",
                                     verbose_name="établissement")
    budget_general = models.DecimalField("budget général (€)", max_digits=14, decimal_places=2)
    budget_numerique = models.DecimalField("budget numérique (€)", max_digits=14, decimal_places=2)
    etp_securite = models.DecimalField("ETP sécurité (DSI + RSSI)", max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = "budget numérique"
        verbose_name_plural = "budgets numériques"
        ordering = ["structure"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_general__gt=0, budget_numerique__gte=0, etp_securite__gte=0,
                                   budget_numerique__lte=models.F("budget_general")),
                name="objectifs_budget_coherent"),
        ]

    def __str__(self) -> str:
        return f"Budget — {self.structure.libelle}"

    @property
    def part_numerique(self) -> Decimal:
        """Digital share of the general budget, in percent (2 decimals)."""
        return (self.budget_numerique * 100 / self.budget_general).quantize(Decimal("0.01"))


class GouvernanceGHT(_Preuve):
    candidature = models.OneToOneField(Candidature, on_delete=models.PROTECT, related_name="gouvernance_ght")
    referent_projet = models.CharField("référent projet nommé par le directeur du support", max_length=150,
                                       blank=True)
    referent_nomme_par_directeur = models.BooleanField("référent nommé par le directeur de l'établissement support",
                                                       null=True, blank=True)
    equipe_ad_unique = models.BooleanField("une équipe opérationnelle AD unique", null=True, blank=True)
    sdsi_volet_organisationnel = models.BooleanField(
        "volet organisationnel des sujets AD intégré au schéma directeur de convergence des SI", null=True, blank=True)
    sdsi_volet_technique = models.BooleanField(
        "volet technique des sujets AD intégré au schéma directeur de convergence des SI", null=True, blank=True)
    schema_directeur = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="extrait du schéma directeur (sujets AD)")
    schema_gouvernance = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name="schéma de gouvernance")
    equipe_projet = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="équipe projet")
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "gouvernance du GHT"
        verbose_name_plural = "gouvernances de GHT"

    def __str__(self) -> str:
        return f"Gouvernance — {self.candidature.structure_libelle}"


class ConvergenceAD(_Preuve):
    candidature = models.OneToOneField(Candidature, on_delete=models.PROTECT, related_name="convergence_ad")
    deja_convergee = models.BooleanField("AD déjà convergé", default=False)
    valide_dsi = models.BooleanField("trajectoire validée par le DSI du support", null=True, blank=True)
    valide_comite = models.BooleanField("trajectoire validée par le comité stratégique", null=True, blank=True)
    responsable = models.CharField("responsable de la convergence des AD", max_length=150, blank=True)
    equipes_mutualisees = models.BooleanField("équipes SI dédiées mutualisées", null=True, blank=True)
    structures = models.ManyToManyField(PerimetreLigne, related_name="+", blank=True,
                                        verbose_name="établissements adressés par la trajectoire")
    date_convergence = models.DateField("convergence prévue le", null=True, blank=True)
    budget = models.DecimalField("budget de la convergence (€)", max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    description = models.TextField("description de l'AD convergé", blank=True)
    document = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="trajectoire ou description de l'AD convergé")
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "convergence des AD du GHT"
        verbose_name_plural = "convergences des AD de GHT"

    def __str__(self) -> str:
        return f"Convergence AD — {self.candidature.structure_libelle}"
