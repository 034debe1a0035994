"""The national referential every dossier points to.

Region (the 18 ARS) ⟶ Departement ⟶ EntiteJuridique (FINESS EJ) ⟶ EtablissementGeographique
(FINESS ET); GHT groups EJ around an établissement support; AppelAFinancement holds a
funding call's calendar as data (never as constants).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from .finess import valider_finess


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100, unique=True)
    ars = models.CharField("agence régionale de santé", max_length=120)
    outre_mer = models.BooleanField("outre-mer", default=False)

    class Meta:
        verbose_name = "région"
        ordering = ["nom"]
        permissions = [("instruire_region", "Instruire les dossiers de la région")]

    def __str__(self) -> str:
        return self.nom


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.nom}"


class StatutJuridique(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVE_EBNL = "prive_ebnl", "Privé à but non lucratif"
    PRIVE_LUCRATIF = "prive_lucratif", "Privé à but lucratif"


class EntiteJuridique(models.Model):
    finess = models.CharField("FINESS EJ", max_length=9, unique=True, validators=[valider_finess])
    raison_sociale = models.CharField("raison sociale", max_length=255)
    statut = models.CharField("statut", max_length=20, choices=StatutJuridique.choices, blank=True)
    statut_juridique_code = models.CharField("code statut juridique FINESS", max_length=4, blank=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="entites_juridiques")
    commune = models.CharField("commune", max_length=120, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    activite_combinee = models.DecimalField(
        "activité combinée", max_digits=16, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    date_maj_finess = models.DateField("mise à jour FINESS", null=True, blank=True)

    class Meta:
        verbose_name = "entité juridique"
        verbose_name_plural = "entités juridiques"
        ordering = ["raison_sociale"]
        permissions = [("acceder_structure", "Accéder aux dossiers de la structure")]
        indexes = [models.Index(fields=["raison_sociale"])]

    def __str__(self) -> str:
        return f"{self.raison_sociale} ({self.finess})"


class EtablissementGeographique(models.Model):
    finess = models.CharField("FINESS ET", max_length=9, unique=True, validators=[valider_finess])
    entite_juridique = models.ForeignKey(
        EntiteJuridique, on_delete=models.PROTECT, related_name="etablissements", verbose_name="entité juridique"
    )
    raison_sociale = models.CharField("raison sociale", max_length=255)
    raison_sociale_longue = models.CharField("raison sociale longue", max_length=255, blank=True)
    categorie_code = models.CharField("catégorie", max_length=4, blank=True)
    categorie_libelle = models.CharField("libellé de catégorie", max_length=120, blank=True)
    categorie_agregee_code = models.CharField("catégorie agrégée", max_length=4, blank=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="etablissements")
    commune = models.CharField("commune", max_length=120, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    activite_combinee = models.DecimalField(
        "activité combinée", max_digits=16, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    date_maj_finess = models.DateField("mise à jour FINESS", null=True, blank=True)

    class Meta:
        verbose_name = "établissement géographique"
        verbose_name_plural = "établissements géographiques"
        ordering = ["raison_sociale"]
        indexes = [models.Index(fields=["raison_sociale"])]

    def __str__(self) -> str:
        return f"{self.raison_sociale} ({self.finess})"


class GHT(models.Model):
    code = models.CharField("code GHT", max_length=12, unique=True)
    nom = models.CharField("dénomination", max_length=255)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ghts", verbose_name="région")
    support = models.ForeignKey(
        EntiteJuridique, on_delete=models.PROTECT, related_name="ghts_portes",
        verbose_name="établissement support", null=True, blank=True,
    )
    membres = models.ManyToManyField(EntiteJuridique, related_name="ghts", verbose_name="membres", blank=True)

    class Meta:
        verbose_name = "GHT"
        verbose_name_plural = "GHT"
        ordering = ["code"]
        permissions = [("acceder_structure", "Accéder aux dossiers du GHT")]

    def __str__(self) -> str:
        return f"{self.code} – {self.nom}"


class AppelAFinancement(models.Model):
    """A funding call: its domain and every date of its calendar (inclusive bounds, Europe/Paris days)."""

    code = models.SlugField("code", max_length=40, unique=True)
    domaine = models.CharField("domaine", max_length=10)
    nom = models.CharField("nom", max_length=255)
    enveloppe = models.DecimalField("enveloppe (€)", max_digits=14, decimal_places=2, default=Decimal("0"))
    candidature_debut = models.DateField("ouverture des candidatures")
    candidature_fin = models.DateField("clôture des candidatures")
    instruction_fin = models.DateField("fin d'instruction ARS")
    convention_debut = models.DateField("début des conventions")
    convention_fin = models.DateField("fin des conventions")
    delai_signature_jours = models.PositiveSmallIntegerField("délai de signature (jours)", default=5)
    declaration_debut = models.DateField("ouverture des déclarations")
    declaration_fin = models.DateField("clôture des déclarations")
    controle_fin = models.DateField("fin des contrôles")
    paiement_debut = models.DateField("ouverture des paiements")
    paiement_fin = models.DateField("clôture des paiements")
    couts_eligibles_depuis = models.DateField("coûts éligibles depuis")
    notes = models.TextField("notes (prolongations, sources)", blank=True)

    class Meta:
        verbose_name = "appel à financement"
        verbose_name_plural = "appels à financement"
        ordering = ["-candidature_debut"]

    def __str__(self) -> str:
        return self.nom

    def clean(self) -> None:
        pairs = [
            ("candidature_debut", "candidature_fin"),
            ("convention_debut", "convention_fin"),
            ("declaration_debut", "declaration_fin"),
            ("paiement_debut", "paiement_fin"),
        ]
        errors = {}
        for debut, fin in pairs:
            a, b = getattr(self, debut), getattr(self, fin)
            if a and b and a > b:
                errors[fin] = f"« {self._meta.get_field(fin).verbose_name} » précède « {self._meta.get_field(debut).verbose_name} »."
        if self.candidature_fin and self.instruction_fin and self.instruction_fin < self.candidature_fin:
            errors["instruction_fin"] = "La fin d'instruction précède la clôture des candidatures."
        if errors:
            raise ValidationError(errors)
