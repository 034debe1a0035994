"""Payment data: the ceiling table (matrice des montants plafonds).

- ``GrilleMontantsPlafonds``: one *version* of the ceiling table of a funding call, in force from a
  date (``en_vigueur_le``), with its source and whether its amounts are only illustrative (the
  official D1 amounts are not public). Versions are numbered 1, 2, … per call by
  ``services.grille_creer``; the version in force on a day is the highest one whose
  ``en_vigueur_le`` is on or before that day (``selectors.grille_en_vigueur``).
- ``LignePlafond``: one row — a structure type (``candidatures.regles.TypeCandidature``) and a bracket
  of combined activity ``[activite_min, activite_max)`` (``activite_max`` null: no upper bound) → the
  ceiling amount in euros.

No states: a version is written once by an import or edited in the admin, always through
``paiement.services`` (which refuses overlapping brackets); every write is logged.

- ``Paiement``: the one payment of a convention whose control validated the objectives (controle in
  ``objectifs_atteints``). Amount = min(eligible costs frozen at the declaration's last submission,
  the convention's amount — the grid row's ceiling at the convention's creation, possibly lowered by
  the ANS; ``plafond`` stores that amount), computed once at creation by ``services.paiements_creer_a_valider`` and stored with its
  computation (``calcul``). Unique per convention (database constraint). States (django-fsm-2,
  protected; every arrow is a service of ``services.py``, logged):
      a_valider → valide (secretariat ANS, inside the call's payment window)
      valide → ordonnance (a *second* ANS agent, secretariat or admin: four-eyes; the bank details
                           of the candidature must still be those stored on the payment)
      ordonnance → paye (the bank's confirmation file, or marked by hand: date and bank reference)
      a_valider | valide → rejete (motive; final: a convention is never paid twice)
- ``LotVirement``: a batch of ordered payments sent to the bank as one pain.001.001.09 file (kept as a
  document of the batch, in a ZIP archive: the document store refuses raw XML).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from candidatures.regles import TypeCandidature
from care_portal.referentiel.models import AppelAFinancement


class GrilleMontantsPlafonds(models.Model):
    appel = models.ForeignKey(AppelAFinancement, on_delete=models.PROTECT, related_name="grilles_plafonds",
                              verbose_name="appel à financement")
    version = models.PositiveIntegerField("version")
    en_vigueur_le = models.DateField("en vigueur à partir du")
    source = models.CharField("source", max_length=255, blank=True,
                              help_text="Document ou fichier d'où viennent les montants.")
    commentaire = models.TextField("commentaire", blank=True)
    illustrative = models.BooleanField(
        "montants indicatifs", default=False,
        help_text="Montants illustratifs, non officiels : le simulateur les affiche comme « montants indicatifs ».",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="créée par")

    class Meta:
        verbose_name = "matrice des montants plafonds"
        verbose_name_plural = "matrices des montants plafonds"
        ordering = ["appel_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["appel", "version"], name="paiement_grille_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="paiement_grille_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.appel} — matrice v{self.version}" + (" (indicative)" if self.illustrative else "")


class LignePlafond(models.Model):
    grille = models.ForeignKey(GrilleMontantsPlafonds, on_delete=models.CASCADE, related_name="lignes",
                               verbose_name="matrice")
    type_structure = models.CharField("type de structure", max_length=20, choices=TypeCandidature.CHOICES)
    activite_min = models.DecimalField(
        "activité combinée minimale (incluse)", max_digits=16, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    activite_max = models.DecimalField(
        "activité combinée maximale (exclue)", max_digits=16, decimal_places=2, null=True, blank=True,
        help_text="Vide : pas de borne supérieure.",
    )
    montant = models.DecimalField("montant plafond (€)", max_digits=12, decimal_places=2,
                                  validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = "ligne de la matrice des plafonds"
        verbose_name_plural = "lignes de la matrice des plafonds"
        ordering = ["grille_id", "type_structure", "activite_min"]
        constraints = [
            models.CheckConstraint(condition=Q(activite_max__isnull=True) | Q(activite_min__lt=F("activite_max")),
                                   name="paiement_ligne_tranche_croissante"),
            models.CheckConstraint(condition=Q(activite_min__gte=0), name="paiement_ligne_activite_positive"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="paiement_ligne_montant_positif"),
            models.UniqueConstraint(fields=["grille", "type_structure", "activite_min"],
                                    name="paiement_ligne_debut_unique"),
        ]

    def __str__(self) -> str:
        fin = f"{self.activite_max}" if self.activite_max is not None else "∞"
        return f"{self.get_type_structure_display()} [{self.activite_min} ; {fin}[ → {self.montant} €"


# --- payments -----------------------------------------------------------------------------------------

def _agent_paiement(user, *roles: str) -> bool:
    from care_portal.comptes.selectors import habilitations

    return habilitations(user).a(*roles)


def peut_valider(instance: Paiement, user) -> bool:
    from care_portal.comptes.roles import Role

    return _agent_paiement(user, Role.SECRETARIAT_ANS)


def peut_ordonnancer(instance: Paiement, user) -> bool:
    """Four-eyes: an ANS payment agent other than the one who validated."""
    from care_portal.comptes.roles import Role

    return _agent_paiement(user, Role.SECRETARIAT_ANS, Role.ADMIN_ANS) and user.pk != instance.valide_par_id


def peut_gerer(instance: Paiement, user) -> bool:
    from care_portal.comptes.roles import Role

    return _agent_paiement(user, Role.SECRETARIAT_ANS, Role.ADMIN_ANS)


class LotVirement(models.Model):
    """A batch of ordered payments and its SEPA file (``document``: a ZIP holding ``<message_id>.xml``)."""

    message_id = models.CharField("identifiant du message SEPA", max_length=35, unique=True)
    date_execution = models.DateField("date d'exécution demandée")
    nombre = models.PositiveIntegerField("nombre de virements")
    total = models.DecimalField("montant total (€)", max_digits=14, decimal_places=2)
    sha256 = models.CharField("SHA-256 du fichier XML", max_length=64)
    document = models.OneToOneField("documents.Document", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="fichier de virement (ZIP)")
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="créé par")

    class Meta:
        verbose_name = "lot de virements"
        verbose_name_plural = "lots de virements"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Lot {self.message_id}"


class Paiement(FSMModelMixin, models.Model):
    class Etat(models.TextChoices):
        A_VALIDER = "a_valider", "À valider"
        VALIDE = "valide", "Validé"
        ORDONNANCE = "ordonnance", "Ordonnancé"
        PAYE = "paye", "Payé"
        REJETE = "rejete", "Rejeté"

    convention = models.ForeignKey("conventions.Convention", on_delete=models.PROTECT, related_name="paiements",
                                   verbose_name="convention")
    controle = models.OneToOneField("controle.Controle", on_delete=models.PROTECT, related_name="paiement",
                                    verbose_name="contrôle")
    etat = FSMField("état", max_length=20, choices=Etat.choices, default=Etat.A_VALIDER, protected=True)
    reference = models.CharField("référence du paiement (bout en bout)", max_length=35, unique=True)
    couts_eligibles = models.DecimalField("coûts éligibles (€)", max_digits=14, decimal_places=2)
    plafond = models.DecimalField("plafond appliqué (€)", max_digits=12, decimal_places=2)
    montant = models.DecimalField("montant du paiement (€)", max_digits=12, decimal_places=2)
    plafonne = models.BooleanField("plafonné", default=False)
    calcul = models.JSONField("calcul du montant", encoder=DjangoJSONEncoder, default=dict)
    titulaire = models.CharField("titulaire du compte", max_length=200, blank=True)
    iban = models.CharField("IBAN à la création du paiement", max_length=34)
    bic = models.CharField("BIC", max_length=11, blank=True)
    iban_verifie_le = models.DateTimeField("IBAN revérifié le", null=True, blank=True)
    iban_verifie_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name="IBAN revérifié par")
    lot = models.ForeignKey(LotVirement, on_delete=models.PROTECT, null=True, blank=True, related_name="paiements",
                            verbose_name="lot de virements")
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    valide_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="validé par")
    ordonnance_le = models.DateTimeField("ordonnancé le", null=True, blank=True)
    ordonnance_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name="ordonnancé par")
    paye_le = models.DateField("date du paiement", null=True, blank=True)
    reference_bancaire = models.CharField("référence bancaire", max_length=100, blank=True)
    rejete_le = models.DateTimeField("rejeté le", null=True, blank=True)
    motif = models.TextField("motif du rejet", blank=True)

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["-cree_le", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["convention"], name="paiement_unique_par_convention"),
            models.CheckConstraint(condition=Q(montant__gte=0) & Q(montant__lte=F("plafond")),
                                   name="paiement_montant_sous_plafond"),
        ]
        indexes = [models.Index(fields=["etat"])]

    def __str__(self) -> str:
        return f"Paiement {self.reference}"

    # --- pure transitions: fields only ---------------------------------------------------------
    @transition(field=etat, source=Etat.A_VALIDER, target=Etat.VALIDE, permission=peut_valider, custom={"journal": "valide"})
    def valider(self, *, le, par):
        self.valide_le, self.valide_par = le, par

    @transition(field=etat, source=Etat.VALIDE, target=Etat.ORDONNANCE, permission=peut_ordonnancer, custom={"journal": "ordonnance"})
    def ordonnancer(self, *, le, par):
        self.ordonnance_le, self.ordonnance_par = le, par

    @transition(field=etat, source=Etat.ORDONNANCE, target=Etat.PAYE, permission=peut_gerer, custom={"journal": "paye"})
    def payer(self, *, le, reference_bancaire: str):
        self.paye_le, self.reference_bancaire = le, reference_bancaire

    @transition(field=etat, source=[Etat.A_VALIDER, Etat.VALIDE], target=Etat.REJETE, permission=peut_gerer, custom={"journal": "rejete"})
    def rejeter(self, *, le, motif: str):
        self.rejete_le, self.motif = le, motif
