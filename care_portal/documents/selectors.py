"""Reads of documents, permission-filtered through the owners' registry (``acces``).

- ``document_pour(user, pk)``: the document if its owner is among the owners ``user`` may see,
  else 404 (unknown owner model included): a view never reveals that a document exists.
- ``documents_du_proprietaire(proprietaire, …)``: the documents of an owner the caller already
  fetched through its own permission-filtered selector.
- ``blocage_telechargement(document, utilisateur)``: why ``utilisateur`` may not download a document
  now, or None.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from care_portal.comptes.selectors import obtenir_ou_404

from . import antivirus
from .acces import acces_pour
from .models import Document, Telechargement

MESSAGE_INFECTE = (
    "Ce fichier a été bloqué : l'antivirus y a détecté un code malveillant. Il ne peut pas être "
    "téléchargé. La personne qui l'a déposé a été prévenue par e-mail."
)
MESSAGE_EN_ATTENTE = (
    "L'analyse antivirale de ce fichier est en cours : tant qu'elle n'est pas terminée, seule la "
    "personne qui l'a déposé peut le télécharger. Il sera disponible dans quelques instants : "
    "réessayez un peu plus tard."
)


def _ids_texte(proprietaires: QuerySet) -> QuerySet:
    """Owner primary keys as text, to compare with ``Document.object_id`` inside the database."""
    return proprietaires.order_by().annotate(_pk_texte=Cast("pk", output_field=CharField())).values("_pk_texte")


def documents_visibles(user, modele: type[models.Model]) -> QuerySet[Document]:
    """The (live) documents of the ``modele`` owners that ``user`` may see; none for an unknown owner."""
    acces = acces_pour(modele)
    if acces is None or not getattr(user, "is_authenticated", False):
        return Document.objects.none()
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(modele, for_concrete_model=False)
    return Document.objects.filter(
        content_type=ct, object_id__in=_ids_texte(acces.proprietaires_visibles(user))
    ).select_related("depose_par", "content_type")


def document_pour(user, pk) -> Document:
    """The document ``pk`` if ``user`` may see its owner, else Http404."""
    document = obtenir_ou_404(Document.objects.select_related("content_type", "depose_par"), pk=pk)
    acces = acces_pour(document.content_type.model_class())
    if acces is None or not getattr(user, "is_authenticated", False):
        raise Http404("Document introuvable.")
    try:
        visible = acces.proprietaires_visibles(user).filter(pk=document.object_id).exists()
    except (ValueError, TypeError, ValidationError) as exc:  # an object_id that is not a valid key of the owner
        raise Http404("Document introuvable.") from exc
    if not visible:
        raise Http404("Document introuvable.")
    return document


def modele_proprietaire(libelle: str) -> type[models.Model]:
    """``"app_label.model"`` → a registered owner model, else Http404."""
    try:
        modele = apps.get_model(libelle)
    except (LookupError, ValueError) as exc:
        raise Http404("Dossier introuvable.") from exc
    if acces_pour(modele) is None:
        raise Http404("Dossier introuvable.")
    return modele


def proprietaire_deposable_ou_404(user, modele: type[models.Model], object_id: str) -> models.Model:
    """The owner to which ``user`` may add documents, else 404."""
    acces = acces_pour(modele)
    if acces is None:
        raise Http404("Dossier introuvable.")
    try:
        return obtenir_ou_404(acces.proprietaires_deposables(user), pk=object_id)
    except (ValueError, TypeError, ValidationError) as exc:
        raise Http404("Dossier introuvable.") from exc


def documents_du_proprietaire(
    proprietaire: models.Model, *, categorie: str | None = None, courants: bool = True
) -> QuerySet[Document]:
    """The live documents of ``proprietaire`` (only the latest versions when ``courants``)."""
    qs = Document.objects.du_proprietaire(proprietaire, categorie).select_related("depose_par")
    return qs.courants() if courants else qs


def versions_de(document: Document) -> list[Document]:
    """Every live version of ``document``'s chain, oldest first."""
    versions = [document]
    courant = document
    while courant.remplace_id:
        courant = Document.tous.get(pk=courant.remplace_id)
        versions.insert(0, courant)
    courant = document
    while (suivant := Document.objects.filter(remplace=courant).first()) is not None:
        versions.append(suivant)
        courant = suivant
    return [v for v in versions if not v.est_supprime]


def en_attente_d_analyse(document: Document) -> bool:
    """Not yet judged by the antivirus the portal has: pending, or uploaded before clamd was set up.
    Without any antivirus (embedded mode, or CARE_ANTIVIRUS=desactive in production, check
    ecare.W001) nothing will ever scan it, so it is not "waiting"."""
    if not antivirus.clamd_configure():
        return False
    return document.etat_analyse in (Document.EtatAnalyse.EN_ATTENTE, Document.EtatAnalyse.NON_ANALYSE)


def blocage_telechargement(document: Document, utilisateur=None) -> str | None:
    """Why ``utilisateur`` may not download ``document`` now (French), or None. An infected file is
    served to nobody; a file the antivirus has not judged yet only to the person who deposited it
    (their own bytes: nothing new reaches them), never to the agents who will read it."""
    if document.etat_analyse == Document.EtatAnalyse.INFECTE:
        return MESSAGE_INFECTE
    if en_attente_d_analyse(document):
        deposant = document.depose_par_id is not None and utilisateur is not None and (
            document.depose_par_id == getattr(utilisateur, "pk", None))
        if not deposant:
            return MESSAGE_EN_ATTENTE
    return None


def telechargements_de(document: Document) -> QuerySet[Telechargement]:
    return document.telechargements.select_related("utilisateur").order_by("-le", "-id")


def url_depot(proprietaire: models.Model, categorie: str) -> str:
    """The URL of the generic upload view for one piece (``categorie``) of ``proprietaire``."""
    from django.urls import reverse

    return reverse("documents:deposer", args=[proprietaire._meta.label_lower, str(proprietaire.pk), categorie])
