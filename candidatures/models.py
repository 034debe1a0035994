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
    @transition(field=etat, source=[Etat.BROUILLON, Etat.COMPLEMENT_DEMANDE], target=Etat.DEPOSEE)
    def deposer(self, *, le):
        self.deposee_le = le
        if self.premiere_depose_le is None:
            self.premiere_depose_le = le

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLEMENT_DEMANDE)
    def demander_complement(self, *, motif: str):
        self.motif = motif

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.COMPLETE)
    def declarer_complete(self, *, le):
        self.decidee_le, self.motif = le, ""

    @transition(field=etat, source=Etat.DEPOSEE, target=Etat.REJETEE)
    def rejeter(self, *, le, motif: str):
        self.decidee_le, self.motif = le, motif

    @transition(field=etat, source=[Etat.BROUILLON, Etat.DEPOSEE, Etat.COMPLEMENT_DEMANDE], target=Etat.RETIREE)
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


class Convention(FSMModelMixin, models.Model):
    """The ANS/ES convention of a complete candidature, signed electronically.

    Amount: at creation ``plafond`` (and ``montant``) come from the ceiling grid row in force for the
    structure (``candidatures.plafonds``: the grid lives in paiement), with ``grille_version``,
    ``grille_ligne`` and ``origine_plafond`` saying which row; the ANS may lower ``montant`` before
    sending (``motif_montant`` mandatory, logged), never raise it above ``plafond``.

    States (django-fsm-2, protected):
        a_generer → envoyee (the ANS checks the amount; the PDF is generated and sent to the signatory
                   by the signature provider; deadline = sending + ``appel.delai_signature_jours`` days,
                   Europe/Paris wall clock)
        envoyee → signee_es (the ES signatory signed) → signee (the DG ANS countersigned)
        envoyee → expiree (the deadline passed: beat job or provider callback, idempotent)
        expiree | envoyee (signature locked after too many wrong codes) → envoyee (sent again by the
                   ARS or the ANS, new deadline, new link)

    ``envoi_demande_le``: a sending was asked (first sending or sending again) and not done yet; the
    sending task does nothing without it (idempotent). ``envoi``: the number of the current sending; the signing link carries it, so a link of an
    earlier sending no longer works. ``erreur_envoi``: the last failure of the provider (shown with
    a retry button); cleared by a successful sending.
    """

    class Etat(models.TextChoices):
        A_GENERER = "a_generer", "À générer"
        ENVOYEE = "envoyee", "Envoyée pour signature"
        SIGNEE_ES = "signee_es", "Signée par l'établissement"
        SIGNEE = "signee", "Signée et contresignée"
        EXPIREE = "expiree", "Expirée"

    candidature = models.OneToOneField(Candidature, on_delete=models.PROTECT, related_name="convention")
    etat = FSMField("état", default=Etat.A_GENERER, choices=Etat.choices, protected=True)
    numero = models.CharField("numéro", max_length=40, unique=True)
    # The amount: the ceiling of the grid row in force when the convention was created (or, when no row
    # applied then, when it was first sent), possibly lowered by the ANS with a motive before sending.
    plafond = models.DecimalField("plafond de la matrice (€)", max_digits=12, decimal_places=2, null=True,
                                  blank=True)
    montant = models.DecimalField("montant de la convention (€)", max_digits=12, decimal_places=2, null=True,
                                  blank=True)
    motif_montant = models.TextField("motif de la baisse du montant", blank=True)
    grille_version = models.PositiveIntegerField("version de la matrice des plafonds", null=True, blank=True)
    grille_ligne = models.PositiveIntegerField("ligne de la matrice (identifiant)", null=True, blank=True)
    origine_plafond = models.JSONField("origine du plafond (matrice, ligne, tranche)", default=dict, blank=True)
    fournisseur = models.CharField("prestataire de signature", max_length=20, blank=True)
    reference_fournisseur = models.CharField("référence chez le prestataire", max_length=100, blank=True,
                                             db_index=True)
    signataires_fournisseur = models.JSONField("signataires chez le prestataire", default=dict, blank=True)
    envoi = models.PositiveIntegerField("numéro d'envoi", default=0)
    envoi_demande_le = models.DateTimeField("envoi demandé le", null=True, blank=True)  # cleared once sent
    envoyee_le = models.DateTimeField("envoyée le", null=True, blank=True)
    echeance = models.DateTimeField("à signer avant le", null=True, blank=True)
    signature_bloquee_le = models.DateTimeField("signature bloquée le", null=True, blank=True)
    erreur_envoi = models.TextField("dernière erreur d'envoi", blank=True)
    erreur_envoi_le = models.DateTimeField("erreur d'envoi le", null=True, blank=True)
    signee_es_le = models.DateTimeField("signée par l'établissement le", null=True, blank=True)
    signataire_es = models.CharField("signataire de l'établissement", max_length=300, blank=True)
    signee_le = models.DateTimeField("contresignée le", null=True, blank=True)
    contresignataire = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="contresignée par")
    expiree_le = models.DateTimeField("expirée le", null=True, blank=True)
    cree_le = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "convention"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["etat", "echeance"])]

    def __str__(self) -> str:
        return f"Convention {self.numero}"

    @property
    def montant_abaisse(self) -> bool:
        return self.montant is not None and self.plafond is not None and self.montant < self.plafond

    @property
    def signature_bloquee(self) -> bool:
        return self.etat == self.Etat.ENVOYEE and self.signature_bloquee_le is not None

    def peut_etre_renvoyee(self) -> bool:
        return self.etat == self.Etat.EXPIREE or self.signature_bloquee

    # --- pure transitions: fields only ---------------------------------------------------------
    @transition(field=etat, source=Etat.A_GENERER, target=Etat.ENVOYEE)
    def envoyer(self, *, le, echeance, fournisseur: str, reference: str, signataires: dict):
        self._marquer_envoi(le, echeance, fournisseur, reference, signataires)

    @transition(field=etat, source=[Etat.EXPIREE, Etat.ENVOYEE], target=Etat.ENVOYEE, conditions=[peut_etre_renvoyee])
    def renvoyer(self, *, le, echeance, fournisseur: str, reference: str, signataires: dict):
        self._marquer_envoi(le, echeance, fournisseur, reference, signataires)
        self.expiree_le = None

    def _marquer_envoi(self, le, echeance, fournisseur, reference, signataires) -> None:
        self.envoi += 1
        self.envoyee_le, self.echeance = le, echeance
        self.fournisseur, self.reference_fournisseur, self.signataires_fournisseur = fournisseur, reference, signataires
        self.signature_bloquee_le = self.envoi_demande_le = None
        self.erreur_envoi, self.erreur_envoi_le = "", None

    @transition(field=etat, source=Etat.ENVOYEE, target=Etat.SIGNEE_ES)
    def signer_es(self, *, le, signataire: str):
        self.signee_es_le, self.signataire_es = le, signataire

    @transition(field=etat, source=Etat.SIGNEE_ES, target=Etat.SIGNEE)
    def contresigner(self, *, le, contresignataire):
        self.signee_le, self.contresignataire = le, contresignataire

    @transition(field=etat, source=Etat.ENVOYEE, target=Etat.EXPIREE)
    def expirer(self, *, le):
        self.expiree_le = le


class CodeSignature(models.Model):
    """A one-time code sent by e-mail to prove the signer's identity (native signature): 6 digits,
    valid 10 minutes, 5 tries, single use. Only its hash is stored. For the ES signatory it is bound
    to one convention and its sending; for the DG ANS it covers the conventions chosen together
    (``conventions``)."""

    class Role(models.TextChoices):
        ES = "es", "Signataire de l'établissement"
        ANS = "ans", "Directeur général de l'ANS"

    role = models.CharField(max_length=3, choices=Role.choices)
    email = models.EmailField()
    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    conventions = models.ManyToManyField(Convention, related_name="codes_signature")
    envoi = models.PositiveIntegerField(default=0)  # the convention's sending (ES codes)
    empreinte = models.CharField(max_length=128)
    cree_le = models.DateTimeField(default=timezone.now)
    expire_le = models.DateTimeField()
    tentatives = models.PositiveSmallIntegerField(default=0)
    utilise_le = models.DateTimeField(null=True, blank=True)
    annule_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "code de signature"
        verbose_name_plural = "codes de signature"
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"Code {self.get_role_display()} du {self.cree_le:%d/%m/%Y %H:%M}"


class RappelFournisseur(models.Model):
    """Each callback of the signature provider, once: a callback delivered twice (same event id)
    hits the unique constraint and has no second effect."""

    fournisseur = models.CharField(max_length=20)
    identifiant = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    reference = models.CharField(max_length=100)
    recu_le = models.DateTimeField(default=timezone.now)
    resultat = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "rappel du prestataire de signature"
        constraints = [models.UniqueConstraint(fields=["fournisseur", "identifiant"], name="rappel_unique")]

    def __str__(self) -> str:
        return f"{self.fournisseur} {self.type} {self.identifiant}"


class LotContresignature(models.Model):
    """A chunk of conventions the DG ANS countersigns with one code (issue 19): the code is checked in
    the request, then each convention is sealed by a task of its own, committed on its own
    (``ElementContresignature``); the lot only gathers them for the progress page."""

    acteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="contresignataire")
    code = models.OneToOneField(CodeSignature, on_delete=models.PROTECT, related_name="lot")
    ip = models.CharField("adresse IP", max_length=45, blank=True)
    cree_le = models.DateTimeField("lancé le", default=timezone.now)

    class Meta:
        verbose_name = "lot de contresignature"
        verbose_name_plural = "lots de contresignature"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Lot de contresignature n° {self.pk}"


class ElementContresignature(models.Model):
    """One convention of a lot: à sceller → contresignée | échec (with the reason). The task that
    seals it does nothing once the element left « à sceller » (idempotent)."""

    class Etat(models.TextChoices):
        A_SCELLER = "a_sceller", "À sceller"
        FAITE = "faite", "Contresignée"
        ECHEC = "echec", "Échec"

    lot = models.ForeignKey(LotContresignature, on_delete=models.CASCADE, related_name="elements")
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="contresignatures")
    etat = models.CharField("état", max_length=10, choices=Etat.choices, default=Etat.A_SCELLER)
    erreur = models.TextField("motif de l'échec", blank=True)
    traite_le = models.DateTimeField("traité le", null=True, blank=True)

    class Meta:
        verbose_name = "convention d'un lot de contresignature"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["lot", "convention"], name="contresignature_unique")]
        indexes = [models.Index(fields=["etat", "convention"])]

    def __str__(self) -> str:
        return f"{self.convention_id} ({self.get_etat_display()})"
