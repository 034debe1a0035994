"""The ANS / establishment convention of a complete candidature, and its signature (issue 15: the
convention is a stage of its own, moved out of ``candidatures``; migration 0001 takes over the tables with
their rows, renamed ``conventions_*``; the index names keep the ones they were created with).

``Convention``: the convention itself and its states. ``CodeSignature``: the one-time codes of the native
signature. ``RappelFournisseur``: each callback of the signature provider, once. ``LotContresignature`` and
``ElementContresignature``: the DG ANS's countersigning in lots.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition


class Convention(FSMModelMixin, models.Model):
    """The ANS/ES convention of a complete candidature, signed electronically.

    Amount: at creation ``plafond`` (and ``montant``) come from the ceiling grid row in force for the
    structure (``conventions.plafonds``: the grid lives in paiement), with ``grille_version``,
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

    candidature = models.OneToOneField("candidatures.Candidature", on_delete=models.PROTECT, related_name="convention")
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
        indexes = [models.Index(fields=["etat", "echeance"], name="candidature_etat_549fdc_idx")]

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
    @transition(field=etat, source=Etat.A_GENERER, target=Etat.ENVOYEE, custom={"journal": "envoyee"})
    def envoyer(self, *, le, echeance, fournisseur: str, reference: str, signataires: dict):
        self._marquer_envoi(le, echeance, fournisseur, reference, signataires)

    @transition(field=etat, source=[Etat.EXPIREE, Etat.ENVOYEE], target=Etat.ENVOYEE, conditions=[peut_etre_renvoyee], custom={"journal": "renvoyee"})
    def renvoyer(self, *, le, echeance, fournisseur: str, reference: str, signataires: dict):
        self._marquer_envoi(le, echeance, fournisseur, reference, signataires)
        self.expiree_le = None

    def _marquer_envoi(self, le, echeance, fournisseur, reference, signataires) -> None:
        self.envoi += 1
        self.envoyee_le, self.echeance = le, echeance
        self.fournisseur, self.reference_fournisseur, self.signataires_fournisseur = fournisseur, reference, signataires
        self.signature_bloquee_le = self.envoi_demande_le = None
        self.erreur_envoi, self.erreur_envoi_le = "", None

    @transition(field=etat, source=Etat.ENVOYEE, target=Etat.SIGNEE_ES, custom={"journal": "signee_es"})
    def signer_es(self, *, le, signataire: str):
        self.signee_es_le, self.signataire_es = le, signataire

    @transition(field=etat, source=Etat.SIGNEE_ES, target=Etat.SIGNEE, custom={"journal": "contresignee"})
    def contresigner(self, *, le, contresignataire):
        self.signee_le, self.contresignataire = le, contresignataire

    @transition(field=etat, source=Etat.ENVOYEE, target=Etat.EXPIREE, custom={"journal": "expiree"})
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
        indexes = [models.Index(fields=["etat", "convention"], name="candidature_etat_d55348_idx")]

    def __str__(self) -> str:
        return f"{self.convention_id} ({self.get_etat_display()})"
