"""The agents' desk (issue 21): who is on a dossier, who follows it, private notes, labels, saved filters.

An *agence* is the ARS of a region (``region`` set) or the ANS (``region`` empty): see agences.py.
The dossier is the candidature (``CARE_MODELE_DOSSIER``), read by string reference: the core never
imports the stage that defines it.

- ``Affectation``: one per dossier per agence; its ``agent`` is an agent of that agence, or empty once
  the assignment was removed (the row stays: its log rows keep pointing to it).
- ``Suivi``: an agent follows a dossier (its own list « Suivis »).
- ``Note``: a private note on a dossier, read by the agents who see the dossier (the ARS of its
  region and the ANS), never by the establishment. **Append-only**: a note is neither edited nor
  deleted (the model refuses it; on PostgreSQL a trigger too); one corrects it with another note.
  ``mentions``: colleagues told by e-mail and in their notification centre.
- ``Etiquette``: a label of one agence (libellé, DSFR illustrative colour); ``EtiquetteDossier``: a
  label put on a dossier.
- ``FiltreEnregistre``: an agent's saved filter of the dossier list (its query string and columns).

No state machine here: every write goes through services.py and is logged in the append-only log
(care_portal.workflow) on these objects — never on the dossier, whose timeline the establishment reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from care_portal.workflow.ajout_seul import AjoutSeul

DOSSIER = "candidatures.Candidature"  # = care_portal.core.etapes.modele_dossier(), by string reference


class Couleur(models.TextChoices):
    """The DSFR illustrative colours a tag takes (``fr-tag--<couleur>``)."""

    VERT_TILLEUL = "green-tilleul-verveine", "Tilleul verveine"
    VERT_BOURGEON = "green-bourgeon", "Bourgeon"
    VERT_EMERAUDE = "green-emeraude", "Émeraude"
    VERT_MENTHE = "green-menthe", "Menthe"
    VERT_ARCHIPEL = "green-archipel", "Archipel"
    BLEU_ECUME = "blue-ecume", "Écume"
    BLEU_CUMULUS = "blue-cumulus", "Cumulus"
    VIOLET_GLYCINE = "purple-glycine", "Glycine"
    ROSE_MACARON = "pink-macaron", "Macaron"
    ROSE_TUILE = "pink-tuile", "Tuile"
    JAUNE_TOURNESOL = "yellow-tournesol", "Tournesol"
    JAUNE_MOUTARDE = "yellow-moutarde", "Moutarde"
    ORANGE_TERRE_BATTUE = "orange-terre-battue", "Terre battue"
    BRUN_CAFE_CREME = "brown-cafe-creme", "Café crème"
    BRUN_CARAMEL = "brown-caramel", "Caramel"
    BRUN_OPERA = "brown-opera", "Opéra"
    BEIGE_GRIS_GALET = "beige-gris-galet", "Gris galet"


def _unique_par_agence(champs: list[str], nom: str) -> list[models.UniqueConstraint]:
    """One row per ``champs`` per agence: the ARS of a region (``region`` set) or the ANS (empty)."""
    return [
        models.UniqueConstraint(fields=[*champs, "region"], condition=Q(region__isnull=False), name=f"{nom}_ars"),
        models.UniqueConstraint(fields=champs, condition=Q(region__isnull=True), name=f"{nom}_ans"),
    ]


class Affectation(models.Model):
    dossier = models.ForeignKey(DOSSIER, on_delete=models.PROTECT, related_name="affectations",
                                verbose_name="dossier")
    region = models.ForeignKey("referentiel.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="ARS (vide : ANS)")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="affectations", verbose_name="agent")
    modifiee_le = models.DateTimeField("modifiée le", default=timezone.now)
    modifiee_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="modifiée par")

    class Meta:
        verbose_name = "affectation"
        ordering = ["dossier_id", "region_id"]
        constraints = _unique_par_agence(["dossier"], "affectation_unique")
        indexes = [models.Index(fields=["agent", "dossier"])]

    def __str__(self) -> str:
        return f"Dossier {self.dossier_id} — {self.agent or 'non affecté'}"


class Suivi(models.Model):
    dossier = models.ForeignKey(DOSSIER, on_delete=models.PROTECT, related_name="suivis", verbose_name="dossier")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suivis",
                              verbose_name="agent")
    cree_le = models.DateTimeField("suivi depuis le", default=timezone.now)

    class Meta:
        verbose_name = "suivi"
        ordering = ["-cree_le", "pk"]
        constraints = [models.UniqueConstraint(fields=["agent", "dossier"], name="suivi_unique")]

    def __str__(self) -> str:
        return f"{self.agent} suit le dossier {self.dossier_id}"


class NoteImmuable(Exception):
    pass


class Note(AjoutSeul):
    dossier = models.ForeignKey(DOSSIER, on_delete=models.PROTECT, related_name="notes_privees",
                                verbose_name="dossier")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="auteur")
    region = models.ForeignKey("referentiel.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="ARS de l'auteur (vide : ANS)")
    texte = models.TextField("note")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentions_notes",
                                      verbose_name="collègues mentionnés")
    cree_le = models.DateTimeField("écrite le", default=timezone.now)

    exception_ajout_seul = NoteImmuable
    message_modification = "Une note ne se modifie pas : ajoutez une nouvelle note."
    message_suppression = "Une note ne se supprime pas."

    class Meta:
        verbose_name = "note privée"
        verbose_name_plural = "notes privées"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["dossier", "cree_le"])]

    def __str__(self) -> str:
        return f"Note de {self.auteur} sur le dossier {self.dossier_id}"


class Etiquette(models.Model):
    region = models.ForeignKey("referentiel.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="ARS (vide : ANS)")
    libelle = models.CharField("libellé", max_length=40)
    couleur = models.CharField("couleur", max_length=30, choices=Couleur.choices, default=Couleur.BLEU_ECUME)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="créée par")
    cree_le = models.DateTimeField("créée le", default=timezone.now)
    dossiers = models.ManyToManyField(DOSSIER, through="EtiquetteDossier", related_name="etiquettes_agents",
                                      blank=True)

    class Meta:
        verbose_name = "étiquette"
        ordering = ["libelle", "pk"]
        constraints = _unique_par_agence(["libelle"], "etiquette_unique")

    def __str__(self) -> str:
        return self.libelle

    @property
    def classe(self) -> str:
        return f"fr-tag--{self.couleur}"


class EtiquetteDossier(models.Model):
    etiquette = models.ForeignKey(Etiquette, on_delete=models.CASCADE, related_name="poses",
                                  verbose_name="étiquette")
    dossier = models.ForeignKey(DOSSIER, on_delete=models.PROTECT, related_name="+", verbose_name="dossier")
    pose_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="posée par")
    pose_le = models.DateTimeField("posée le", default=timezone.now)

    class Meta:
        verbose_name = "étiquette d'un dossier"
        verbose_name_plural = "étiquettes des dossiers"
        ordering = ["etiquette__libelle", "pk"]
        constraints = [models.UniqueConstraint(fields=["etiquette", "dossier"], name="etiquette_dossier_unique")]
        indexes = [models.Index(fields=["dossier", "etiquette"])]

    def __str__(self) -> str:
        return f"{self.etiquette} — dossier {self.dossier_id}"


class FiltreEnregistre(models.Model):
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filtres_bureau",
                              verbose_name="agent")
    nom = models.CharField("nom", max_length=80)
    requete = models.CharField("filtres (paramètres de la liste)", max_length=1000, blank=True)
    colonnes = models.JSONField("colonnes", default=list, blank=True)
    cree_le = models.DateTimeField("enregistré le", default=timezone.now)

    class Meta:
        verbose_name = "filtre enregistré"
        verbose_name_plural = "filtres enregistrés"
        ordering = ["nom", "pk"]
        constraints = [models.UniqueConstraint(fields=["agent", "nom"], name="filtre_enregistre_unique")]

    def __str__(self) -> str:
        return self.nom
