"""The declaration of attainment of the objectives, with its bilan financier (issue 7).

Declaration states (django-fsm-2, protected):
    brouillon → deposee (ES référent; inside the call's declaration window, convention signed; the
                         objectives the rules engine does not see reached are a warning, recorded,
                         never a refusal; a frozen ``Instantane`` is written)
    deposee → complement_demande (ARS of the instructing region, message) → deposee (ES answers)
    deposee → complete (ARS; the ANS is told to plan the control) | non_recevable (ARS, motive)

``LigneBilan``: one cost of the bilan financier (objective, category, label, supplier or staff, date,
amounts excluding and including VAT, optional supporting document owned by the line). Editable while
the ES may edit the declaration (brouillon, complément demandé).

``Instantane``: what was declared at one submission, frozen (append-only: the model refuses updates
and deletions, and on PostgreSQL a trigger does too): the verdicts of the rules engine, the evidence
and the documents it refers to (ids, names, SHA-256), the bilan and its totals, the warnings.

``ParametresAppel``: settings of a funding call that only the declaration needs — the eligible basis
of the costs (HT or TTC). Kept here so that the referential's model is left alone; a call without a
row uses HT.

``Recepisse``: the receipt PDF of one submission, unique per (declaration, submission date), so that its
task may run twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from candidatures.models import Candidature
from care_portal.referentiel.models import AppelAFinancement
from care_portal.workflow.ajout_seul import AjoutSeul


class BaseEligible(models.TextChoices):
    HT = "ht", "Hors taxes (HT)"
    TTC = "ttc", "Toutes taxes comprises (TTC)"


class ParametresAppel(models.Model):
    appel = models.OneToOneField(AppelAFinancement, on_delete=models.CASCADE, related_name="parametres_declaration",
                                 verbose_name="appel à financement")
    base_eligible = models.CharField("base des coûts éligibles", max_length=3, choices=BaseEligible.choices,
                                     default=BaseEligible.HT,
                                     help_text="Les montants du bilan financier retenus pour le financement.")

    class Meta:
        verbose_name = "paramètres de déclaration d'un appel"
        verbose_name_plural = "paramètres de déclaration des appels"

    def __str__(self) -> str:
        return f"{self.appel} — base {self.get_base_eligible_display()}"


class Categorie(models.TextChoices):
    INTERNE_RH = "interne_rh", "Coûts internes (RH)"
    EXTERNE_PRESTATIONS = "externe_prestations", "Coûts externes (prestations)"
    INDIRECT = "indirect", "Coûts indirects (licences, mises à niveau…)"


class Declaration(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        DEPOSEE = "deposee", "Déposée"
        COMPLEMENT_DEMANDE = "complement_demande", "Complément demandé"
        COMPLETE = "complete", "Complète"
        NON_RECEVABLE = "non_recevable", "Non recevable"

    candidature = models.OneToOneField(Candidature, on_delete=models.PROTECT, related_name="declaration")
    etat = FSMField("état", max_length=20, choices=Etat.choices, default=Etat.BROUILLON, protected=True)
    cree_le = models.DateTimeField("ouverte le", default=timezone.now)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    deposee_le = models.DateTimeField("déposée le", null=True, blank=True)  # last submission
    premiere_depose_le = models.DateTimeField("première soumission", null=True, blank=True)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    motif = models.TextField("dernier motif (complément, non-recevabilité)", blank=True)
    avertissements = models.JSONField("avertissements au dernier dépôt", default=list, blank=True)

    class Meta:
        verbose_name = "déclaration d'atteinte des objectifs"
        verbose_name_plural = "déclarations d'atteinte des objectifs"
        ordering = ["-deposee_le", "-cree_le"]
        indexes = [models.Index(fields=["etat"])]

    def __str__(self) -> str:
        return f"Déclaration {self.candidature.structure_libelle}"

    @property
    def modifiable_par_es(self) -> bool:
        return self.etat in (self.Etat.BROUILLON, self.Etat.COMPLEMENT_DEMANDE)

    # --- pure transitions: fields only ---------------------------------------------------------
    @transition(field=etat, source=[Etat.BROUILLON, Etat.COMPLEMENT_DEMANDE], target=Etat.DEPOSEE, custom={"journal": "deposee"})
    def deposer(self, *, le, avertissements: list[str]):
        self.deposee_le, self.avertissements = le, avertissements
        if self.premiere_depose_le is None:
            self.premiere_depose_le = le

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLEMENT_DEMANDE, custom={"journal": "complement_demande"})
    def demander_complement(self, *, motif: str):
        self.motif = motif

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLETE, custom={"journal": "declaree_complete"})
    def declarer_complete(self, *, le):
        self.decidee_le, self.motif = le, ""

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.NON_RECEVABLE, custom={"journal": "declaree_non_recevable"})
    def declarer_non_recevable(self, *, le, motif: str):
        self.decidee_le, self.motif = le, motif


class LigneBilan(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lignes")
    objectif = models.ForeignKey("objectifs.Objectif", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="objectif")
    categorie = models.CharField("catégorie", max_length=20, choices=Categorie.choices)
    libelle = models.CharField("libellé", max_length=255)
    fournisseur = models.CharField("fournisseur ou personnel", max_length=255)
    date = models.DateField("date")
    montant_ht = models.DecimalField("montant HT (€)", max_digits=12, decimal_places=2)
    montant_ttc = models.DecimalField("montant TTC (€)", max_digits=12, decimal_places=2)
    justificatif = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="justificatif")
    cree_le = models.DateTimeField("saisie le", default=timezone.now)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = "ligne du bilan financier"
        verbose_name_plural = "lignes du bilan financier"
        ordering = ["objectif__ordre", "objectif__code", "categorie", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(montant_ht__gte=0, montant_ttc__gte=0),
                                   name="declarations_ligne_montants_positifs"),
            models.CheckConstraint(condition=Q(montant_ttc__gte=models.F("montant_ht")),
                                   name="declarations_ligne_ttc_sup_ht"),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.montant_ht} € HT)"

    def montant(self, base: str) -> Decimal:
        return self.montant_ttc if base == BaseEligible.TTC else self.montant_ht


class Instantane(AjoutSeul):
    """What was declared at one submission, frozen (never updated nor deleted)."""

    message_modification = "L'instantané d'une déclaration déposée ne se modifie pas."
    message_suppression = "L'instantané d'une déclaration déposée ne se supprime pas."

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="instantanes")
    depot = models.DateTimeField("date du dépôt")
    numero = models.PositiveSmallIntegerField("numéro du dépôt")
    certifie_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="certifié par")
    base_eligible = models.CharField("base des coûts éligibles", max_length=3, choices=BaseEligible.choices)
    verdicts = models.JSONField("verdicts des objectifs", encoder=DjangoJSONEncoder)
    preuves = models.JSONField("preuves", encoder=DjangoJSONEncoder)
    documents = models.JSONField("documents", encoder=DjangoJSONEncoder)
    bilan = models.JSONField("bilan financier", encoder=DjangoJSONEncoder)
    totaux = models.JSONField("totaux", encoder=DjangoJSONEncoder)
    avertissements = models.JSONField("avertissements", encoder=DjangoJSONEncoder, default=list)

    class Meta:
        verbose_name = "instantané d'une déclaration déposée"
        verbose_name_plural = "instantanés des déclarations déposées"
        ordering = ["declaration", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "numero"], name="declarations_instantane_numero"),
            models.UniqueConstraint(fields=["declaration", "depot"], name="declarations_instantane_depot"),
        ]

    def __str__(self) -> str:
        return f"Dépôt n° {self.numero} du {timezone.localtime(self.depot):%d/%m/%Y %H:%M}"


class Recepisse(models.Model):
    """The receipt (PDF owned by the declaration) of one submission, keyed by its date."""

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="recepisses")
    depot = models.DateTimeField("date de la soumission")
    document = models.OneToOneField("documents.Document", on_delete=models.PROTECT, related_name="+")
    genere_le = models.DateTimeField("généré le", default=timezone.now)

    class Meta:
        verbose_name = "récépissé de déclaration"
        verbose_name_plural = "récépissés de déclaration"
        ordering = ["depot"]
        constraints = [models.UniqueConstraint(fields=["declaration", "depot"],
                                               name="declarations_recepisse_unique_depot")]

    def __str__(self) -> str:
        return f"Récépissé du {timezone.localtime(self.depot):%d/%m/%Y %H:%M}"
