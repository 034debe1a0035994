"""Documents: every file uploaded to the portal, kept in private storage, and the download log.

A ``Document`` belongs to an *owner* (any model, through a generic relation) under a
``categorie`` the owning app chooses ("rib", "pssi"…). Its bytes live in the default storage
under a key the server generates (``documents/<yyyy>/<mm>/<uuid>``); the user's file name is
metadata only. Rows are written by ``services`` only.

Virus scan (``etat_analyse``):

    en_attente → sain | infecte        (clamd configured; an infected file is never served)
    non_analyse                        (no clamd configured at upload time)

While clamd is configured, a document not judged yet (en_attente, or non_analyse from before clamd)
is served only to the person who deposited it (selectors.blocage_telechargement).

Versions: a new version points to the one it replaces (``remplace``); the old one stays.
``verrouille`` is set when the owning step is submitted: a locked document is neither deleted
nor replaced in place, but a new version may still be added when the owner allows it.
A deleted document keeps its row (audit trail: ``supprime_le``) but loses its bytes;
``Document.objects`` hides it, ``Document.tous`` does not.

``Telechargement`` is the append-only download log (who, when, from where, which bytes).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from care_portal.workflow.ajout_seul import AjoutSeul


class DocumentQuerySet(models.QuerySet):
    def courants(self) -> DocumentQuerySet:
        """Only the latest version of each document (those no live document replaces)."""
        remplaces = Document.objects.filter(remplace__isnull=False).values("remplace")
        return self.exclude(pk__in=remplaces)

    def du_proprietaire(self, proprietaire: models.Model, categorie: str | None = None) -> DocumentQuerySet:
        qs = self.filter(
            content_type=ContentType.objects.get_for_model(proprietaire, for_concrete_model=False),
            object_id=str(proprietaire.pk),
        )
        return qs if categorie is None else qs.filter(categorie=categorie)


class DocumentsActifsManager(models.Manager.from_queryset(DocumentQuerySet)):
    """``Document.objects``: documents not deleted."""

    def get_queryset(self) -> DocumentQuerySet:
        return super().get_queryset().filter(supprime_le__isnull=True)


class Document(models.Model):
    class EtatAnalyse(models.TextChoices):
        EN_ATTENTE = "en_attente", "analyse antivirale en cours"
        SAIN = "sain", "sain"
        INFECTE = "infecte", "bloqué (code malveillant détecté)"
        NON_ANALYSE = "non_analyse", "non analysé"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    proprietaire = GenericForeignKey("content_type", "object_id")
    categorie = models.CharField("catégorie", max_length=50)

    nom_original = models.CharField("nom du fichier", max_length=255)
    cle_stockage = models.CharField("clé de stockage", max_length=255, unique=True, editable=False)
    type_mime = models.CharField("type", max_length=100)
    taille = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)

    etat_analyse = models.CharField(
        "analyse antivirale", max_length=20, choices=EtatAnalyse.choices, default=EtatAnalyse.EN_ATTENTE,
    )
    signature_virale = models.CharField("signature détectée", max_length=255, blank=True)
    analyse_le = models.DateTimeField("analysé le", null=True, blank=True)

    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="déposé par",
    )  # null = the portal itself (a generated receipt)
    depose_le = models.DateTimeField("déposé le", default=timezone.now)

    version = models.PositiveIntegerField(default=1)
    remplace = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="versions_suivantes",
        verbose_name="version précédente",
    )
    verrouille = models.BooleanField("verrouillé", default=False)
    verrouille_le = models.DateTimeField("verrouillé le", null=True, blank=True)

    supprime_le = models.DateTimeField("supprimé le", null=True, blank=True)
    supprime_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="supprimé par",
    )

    tous = models.Manager.from_queryset(DocumentQuerySet)()
    objects = DocumentsActifsManager()

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        default_manager_name = "tous"
        base_manager_name = "tous"
        ordering = ["depose_le", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "categorie"])]
        constraints = [
            # A live document has at most one live next version: versions form a chain.
            models.UniqueConstraint(
                fields=["remplace"], condition=Q(supprime_le__isnull=True), name="documents_une_version_suivante",
            ),
            models.CheckConstraint(condition=Q(taille__gt=0), name="documents_taille_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.nom_original} ({self.categorie}, v{self.version})"

    @property
    def est_supprime(self) -> bool:
        return self.supprime_le is not None


class TelechargementImmuable(Exception):
    pass


class Telechargement(AjoutSeul):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="telechargements")
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="utilisateur",
    )
    le = models.DateTimeField("date", default=timezone.now, db_index=True)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    agent_utilisateur = models.CharField("navigateur", max_length=400, blank=True)
    sha256 = models.CharField("empreinte du fichier servi", max_length=64)

    exception_ajout_seul = TelechargementImmuable
    message_modification = message_suppression = "Le journal des téléchargements est en ajout seul."

    class Meta:
        verbose_name = "téléchargement"
        verbose_name_plural = "journal des téléchargements"
        ordering = ["le", "id"]

    def __str__(self) -> str:
        return f"{self.le:%d/%m/%Y %H:%M} {self.document_id}"

