"""What the bulk actions of the agents' desk keep (issue 21). Rows are written by ``services`` only.

``Execution``: one run of a bulk action (``care_portal.core.etapes.ActionGroupee``) by an agent over the
dossiers they chose; its report is the run's ``LigneExecution`` rows, one per dossier: done (with the
sentence the action returned), refused (with the reason) or ignored (not among the dossiers the agent may
see). The report page reads them: reloadable and linkable, shown to its author only.

    en_cours → terminee        (a run cut short by a crash stays en_cours: the report lists the dossiers
                                it never reached)

Its primary key is the token of the confirmation form: the same form posted twice runs once.

``Archive``: a ZIP of the documents of dossiers, built by a Celery task (care_portal/bureau/tasks.py), with
a folder per dossier and only the documents its requester may read.

    demandee → en_cours → prete → expiree      (its ZIP removed after CARE_BUREAU_ARCHIVE_HEURES)
                        ↘ echec

The progress (documents written out of ``total``) is stored on the row, where the progress page reads it.
The ZIP itself is a ``documents.Document`` owned by the archive (written through the documents service),
downloadable by its requester only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from care_portal.workflow.ajout_seul import AjoutSeul


class Execution(models.Model):
    class Etat(models.TextChoices):
        EN_COURS = "en_cours", "En cours"
        TERMINEE = "terminee", "Terminée"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    acteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="lancée par")
    action = models.CharField("code de l'action", max_length=60)
    libelle = models.CharField("action", max_length=200)
    parametres = models.JSONField("paramètres (libellé → valeur)", default=dict, blank=True)
    dossiers = models.JSONField("dossiers choisis (identifiants, dans l'ordre)", default=list, blank=True)
    retour = models.CharField("page de départ", max_length=500, blank=True)
    etat = models.CharField("état", max_length=10, choices=Etat.choices, default=Etat.EN_COURS)
    cree_le = models.DateTimeField("lancée le", default=timezone.now)
    termine_le = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "action groupée"
        verbose_name_plural = "actions groupées"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["acteur", "cree_le"])]

    def __str__(self) -> str:
        return f"{self.libelle} — {timezone.localtime(self.cree_le):%d/%m/%Y %H:%M}"


class LigneImmuable(Exception):
    pass


class LigneExecution(AjoutSeul):
    class Resultat(models.TextChoices):
        FAIT = "fait", "Fait"
        REFUSE = "refuse", "Refusé"
        IGNORE = "ignore", "Ignoré"

    execution = models.ForeignKey(Execution, on_delete=models.PROTECT, related_name="lignes")
    rang = models.PositiveIntegerField("rang")
    dossier = models.ForeignKey("candidatures.Candidature", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")  # null: an identifier the agent may not see (ignored)
    reference = models.CharField("identifiant transmis", max_length=40, blank=True)
    libelle = models.CharField("dossier", max_length=300, blank=True)  # as it read when the action ran
    resultat = models.CharField("résultat", max_length=10, choices=Resultat.choices)
    message = models.TextField("phrase ou motif")
    cree_le = models.DateTimeField(default=timezone.now)

    exception_ajout_seul = LigneImmuable
    message_modification = message_suppression = "Le rapport d'une action groupée ne se modifie pas."

    class Meta:
        verbose_name = "ligne du rapport"
        verbose_name_plural = "lignes des rapports"
        ordering = ["execution", "rang"]
        constraints = [models.UniqueConstraint(fields=["execution", "rang"], name="bureau_ligne_unique_rang")]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.get_resultat_display()}"


class Archive(models.Model):
    class Etat(models.TextChoices):
        DEMANDEE = "demandee", "En attente de préparation"
        EN_COURS = "en_cours", "En préparation"
        PRETE = "prete", "Prête"
        ECHEC = "echec", "Échec"
        EXPIREE = "expiree", "Expirée (supprimée)"

    CATEGORIE = "archive_zip"  # the category of its ZIP document

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    demandeur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="demandée par")
    execution = models.OneToOneField(Execution, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="archive")
    dossiers = models.JSONField("dossiers (identifiants)", default=list)
    etat = models.CharField("état", max_length=10, choices=Etat.choices, default=Etat.DEMANDEE)
    total = models.PositiveIntegerField("documents à écrire", default=0)
    traites = models.PositiveIntegerField("documents écrits", default=0)
    exclus = models.PositiveIntegerField("documents exclus", default=0)
    taille = models.PositiveBigIntegerField("taille de l'archive (octets)", default=0)
    erreur = models.TextField("motif de l'échec", blank=True)
    document = models.OneToOneField("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    adresse_ip = models.GenericIPAddressField("adresse IP de la demande", null=True, blank=True)
    cree_le = models.DateTimeField("demandée le", default=timezone.now)
    commence_le = models.DateTimeField("préparation commencée le", null=True, blank=True)
    termine_le = models.DateTimeField("terminée le", null=True, blank=True)
    expire_le = models.DateTimeField("supprimée après le", null=True, blank=True)

    class Meta:
        verbose_name = "archive ZIP"
        verbose_name_plural = "archives ZIP"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["etat", "expire_le"]), models.Index(fields=["demandeur", "cree_le"])]

    def __str__(self) -> str:
        return f"Archive de {len(self.dossiers)} dossier(s) — {timezone.localtime(self.cree_le):%d/%m/%Y %H:%M}"

    @property
    def termine(self) -> bool:
        return self.etat in (self.Etat.PRETE, self.Etat.ECHEC, self.Etat.EXPIREE)

    @property
    def pourcentage(self) -> int:
        if self.etat in (self.Etat.PRETE, self.Etat.EXPIREE):
            return 100
        return int(self.traites * 100 / self.total) if self.total else 0
