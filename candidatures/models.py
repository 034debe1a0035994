"""Candidatures to a funding call.

Candidature states (django-fsm-2, protected):
    brouillon → deposee (ES, in the window, complete)
    deposee → complement_demande (ARS, with a message) → deposee (ES answers)
    deposee → complete (ARS; the ANS is told) | rejetee (ARS, motive)
    brouillon | deposee | complement_demande → retiree (ES, before completion)

A candidature is carried by a GHT (through its support) or by an EJ, for one call; its perimeter
lines are the EJ (GHT) or EG (EJ) it covers with their combined activity; its instructing region
is the support's (GHT) or the EJ's region (DESIGN.md §3).

``Message``: the dossier's thread between the ES and its ARS (the ANS may join); attachments are
documents owned by the message. ``Recepisse``: the receipt PDF of one submission, unique per
(candidature, submission date) so that its task may run twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from care_portal.referentiel.models import (
    GHT,
    AppelAFinancement,
    EntiteJuridique,
    EtablissementGeographique,
    Region,
)

from .regles import TypeCandidature


class StructureSunes(models.Model):
    """A structure on the published list of SUN-ES validated candidates (loaded by import_sunes)."""

    finess = models.CharField("FINESS", max_length=9, unique=True)
    libelle = models.CharField("libellé", max_length=255, blank=True)
    source = models.CharField("source", max_length=255, blank=True)
    importe_le = models.DateTimeField("importé le", default=timezone.now)

    class Meta:
        verbose_name = "structure validée SUN-ES"
        verbose_name_plural = "liste SUN-ES"
        ordering = ["finess"]

    def __str__(self) -> str:
        return f"{self.finess} {self.libelle}".strip()


class Civilite(models.TextChoices):
    """How a signatory is named in the documents (« Madame Y, directrice générale »)."""

    MADAME = "madame", "Madame"
    MONSIEUR = "monsieur", "Monsieur"


class Candidature(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        DEPOSEE = "deposee", "Déposée"
        COMPLEMENT_DEMANDE = "complement_demande", "Complément demandé"
        COMPLETE = "complete", "Complète"
        REJETEE = "rejetee", "Rejetée"
        RETIREE = "retiree", "Retirée"

    appel = models.ForeignKey(AppelAFinancement, on_delete=models.PROTECT, related_name="candidatures",
                              verbose_name="appel à financement")
    ght = models.ForeignKey(GHT, null=True, blank=True, on_delete=models.PROTECT, related_name="candidatures")
    entite_juridique = models.ForeignKey(
        EntiteJuridique, on_delete=models.PROTECT, related_name="candidatures_portees",
        verbose_name="entité juridique porteuse",
    )  # the EJ itself, or the GHT's support
    type_candidature = models.CharField("type", max_length=20, choices=TypeCandidature.CHOICES)
    region_instructrice = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="candidatures",
                                            verbose_name="ARS instructrice")
    etat = FSMField("état", max_length=20, choices=Etat.choices, default=Etat.BROUILLON, protected=True)

    # Contacts
    referent_nom = models.CharField("nom du référent CaRE", max_length=150, blank=True)
    referent_email = models.EmailField("e-mail du référent CaRE", blank=True)
    referent_telephone = models.CharField("téléphone du référent CaRE", max_length=30, blank=True)
    dsi_nom = models.CharField("nom du DSI", max_length=150, blank=True)
    dsi_email = models.EmailField("e-mail du DSI", blank=True)
    dsi_telephone = models.CharField("téléphone du DSI", max_length=30, blank=True)
    rssi_nom = models.CharField("nom du RSSI", max_length=150, blank=True)
    rssi_email = models.EmailField("e-mail du RSSI", blank=True)
    rssi_telephone = models.CharField("téléphone du RSSI", max_length=30, blank=True)
    # Signatory of the convention
    signataire_civilite = models.CharField("civilité du signataire", max_length=8, choices=Civilite.choices,
                                           blank=True)
    signataire_nom = models.CharField("nom du signataire", max_length=150, blank=True)
    signataire_fonction = models.CharField("fonction du signataire", max_length=150, blank=True)
    signataire_email = models.EmailField("e-mail du signataire", blank=True)
    # Bank details (checked with schwifty by the form and the service)
    titulaire_compte = models.CharField("titulaire du compte", max_length=150, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    # GHT: is a decision authorising the support needed (the convention constitutive does not give it)?
    decision_support_requise = models.BooleanField(
        "un relevé de décision autorisant le support est nécessaire", default=False
    )

    cree_le = models.DateTimeField("créée le", default=timezone.now)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    deposee_le = models.DateTimeField("déposée le", null=True, blank=True)  # last submission
    premiere_depose_le = models.DateTimeField("première soumission", null=True, blank=True)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    motif = models.TextField("dernier motif (complément, rejet, retrait)", blank=True)

    class Meta:
        verbose_name = "candidature"
        ordering = ["-deposee_le", "-cree_le"]
        constraints = [
            # one candidature per structure per call
            models.UniqueConstraint(fields=["appel", "ght"], condition=Q(ght__isnull=False),
                                    name="candidature_unique_ght_appel"),
            models.UniqueConstraint(fields=["appel", "entite_juridique"], condition=Q(ght__isnull=True),
                                    name="candidature_unique_ej_appel"),
        ]
        indexes = [models.Index(fields=["region_instructrice", "etat"]), models.Index(fields=["etat"])]

    def __str__(self) -> str:
        return f"Candidature {self.structure_libelle} — {self.appel.domaine}"

    @property
    def structure(self):
        return self.ght or self.entite_juridique

    @property
    def structure_libelle(self) -> str:
        return f"{self.ght.code} {self.ght.nom}" if self.ght_id else self.entite_juridique.raison_sociale

    @property
    def est_ght(self) -> bool:
        return self.type_candidature == TypeCandidature.GHT

    @property
    def modifiable_par_es(self) -> bool:
        return self.etat in (self.Etat.BROUILLON, self.Etat.COMPLEMENT_DEMANDE)

    # --- pure transitions: fields only ---------------------------------------------------------
    @transition(field=etat, source=[Etat.BROUILLON, Etat.COMPLEMENT_DEMANDE], target=Etat.DEPOSEE, custom={"journal": "deposee"})
    def deposer(self, *, le):
        self.deposee_le = le
        if self.premiere_depose_le is None:
            self.premiere_depose_le = le

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLEMENT_DEMANDE, custom={"journal": "complement_demande"})
    def demander_complement(self, *, motif: str):
        self.motif = motif

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLETE, custom={"journal": "declaree_complete"})
    def declarer_complete(self, *, le):
        self.decidee_le, self.motif = le, ""

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.REJETEE, custom={"journal": "rejetee"})
    def rejeter(self, *, le, motif: str):
        self.decidee_le, self.motif = le, motif

    @transition(field=etat, source=[Etat.BROUILLON, Etat.DEPOSEE, Etat.COMPLEMENT_DEMANDE], target=Etat.RETIREE, custom={"journal": "retiree"})
    def retirer(self, *, le, motif: str):
        self.decidee_le, self.motif = le, motif


class PerimetreLigne(models.Model):
    """One structure of the perimeter: an EJ of the GHT, the EJ itself, or an EG of the EJ."""

    candidature = models.ForeignKey(Candidature, on_delete=models.CASCADE, related_name="perimetre")
    entite_juridique = models.ForeignKey(EntiteJuridique, on_delete=models.PROTECT, related_name="+")
    etablissement = models.ForeignKey(EtablissementGeographique, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    finess = models.CharField("FINESS", max_length=9)
    libelle = models.CharField("libellé", max_length=255)
    est_support = models.BooleanField("établissement support", default=False)
    activite_combinee = models.DecimalField("activité combinée", max_digits=16, decimal_places=2,
                                            default=Decimal("0"))
    activite_referentiel = models.DecimalField("activité du référentiel", max_digits=16, decimal_places=2,
                                               default=Decimal("0"))
    inclus = models.BooleanField("inclus", default=True)
    motif_ajustement = models.TextField("motif de l'ajustement", blank=True)
    # the date of the cyber-surveillance (internet exposure) audit its attestation certifies: the
    # prerequisite asks for an attestation « de moins de 2 ans » (issue 17)
    date_audit_exposition = models.DateField("date de l'audit de cybersurveillance", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de périmètre"
        ordering = ["-est_support", "-activite_combinee", "finess"]
        constraints = [models.UniqueConstraint(fields=["candidature", "finess"], name="perimetre_finess_unique")]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.finess})"

    @property
    def cle(self) -> str:
        return f"ligne:{self.pk}"


class Message(models.Model):
    """A message on the dossier between the ES and its instructing ARS (the ANS may join). Its
    attachments are documents owned by the message (category ``piece_jointe``), added by its author
    when the message is sent (services.message_envoyer)."""

    class Cote(models.TextChoices):
        ES = "es", "Établissement"
        ARS = "ars", "ARS"
        ANS = "ans", "ANS"

    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="messages")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="auteur")
    cote = models.CharField("côté de l'auteur", max_length=3, choices=Cote.choices)
    corps = models.TextField("message")
    cree_le = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "message"
        ordering = ["cree_le", "pk"]
        indexes = [models.Index(fields=["candidature", "cree_le"])]

    def __str__(self) -> str:
        return f"Message de {self.auteur} le {timezone.localtime(self.cree_le):%d/%m/%Y %H:%M}"

    @property
    def auteur_est_es(self) -> bool:
        return self.cote == self.Cote.ES

    @property
    def auteur_libelle(self) -> str:
        """Who wrote it, as the thread shows it: the establishment, the ARS of the region, or the ANS."""
        if self.cote == self.Cote.ARS:
            return f"ARS {self.candidature.region_instructrice.nom}"
        if self.cote == self.Cote.ANS:
            return "Agence du Numérique en Santé"
        return self.candidature.structure_libelle


class Recepisse(models.Model):
    """The receipt (PDF document owned by the candidature) of one submission, keyed by its date: the
    unique constraint makes its generation idempotent, even when its task runs twice at once."""

    candidature = models.ForeignKey(Candidature, on_delete=models.PROTECT, related_name="recepisses")
    depot = models.DateTimeField("date de la soumission")
    document = models.OneToOneField("documents.Document", on_delete=models.PROTECT, related_name="+")
    genere_le = models.DateTimeField("généré le", default=timezone.now)

    class Meta:
        verbose_name = "récépissé de dépôt"
        verbose_name_plural = "récépissés de dépôt"
        ordering = ["depot"]
        constraints = [models.UniqueConstraint(fields=["candidature", "depot"], name="recepisse_unique_depot")]

    def __str__(self) -> str:
        return f"Récépissé du {timezone.localtime(self.depot):%d/%m/%Y %H:%M}"
