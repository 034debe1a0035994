"""Document views: download (permission-checked, logged, streamed) and the generic upload and
delete actions an owner's page can post to. Selector → service → response (README: access pattern)."""

from __future__ import annotations

import ipaddress
import logging

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from care_portal.workflow.services import WorkflowError

from . import selectors, services
from .forms import DocumentForm
from .models import Document
from .validation import nom_de_telechargement

logger = logging.getLogger(__name__)

TAILLE_BLOC_REPONSE = 256 * 1024


def _adresse_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR: behind a reverse proxy, the proxy must pass the client's address (e.g. uwsgi/gunicorn
    # with --forwarded-allow-ips), never a header the client could forge.
    adresse = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(adresse))
    except ValueError:
        return None


def _suivant(request: HttpRequest) -> str:
    url = request.POST.get("suivant") or request.GET.get("suivant") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("core:accueil")


@require_GET
def telecharger(request: HttpRequest, pk) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    document = selectors.document_pour(request.user, pk)
    motif = selectors.blocage_telechargement(document, request.user)
    if motif:
        return render(
            request, "documents/telechargement_refuse.html",
            {"document": document, "motif": motif, "title": "Téléchargement impossible"}, status=403,
        )
    try:
        flux = default_storage.open(document.cle_stockage, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("documents: fichier absent du stockage pour %s (%s)", document.pk, exc)
        raise Http404("Fichier introuvable.") from exc
    services.telechargement_enregistrer(
        document=document, utilisateur=request.user, adresse_ip=_adresse_ip(request),
        agent_utilisateur=request.META.get("HTTP_USER_AGENT", ""),
    )
    reponse = FileResponse(
        flux, as_attachment=True, filename=nom_de_telechargement(document.nom_original, document.type_mime),
        content_type=document.type_mime,
    )
    reponse.block_size = TAILLE_BLOC_REPONSE
    reponse["Content-Length"] = str(document.taille)
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Cache-Control"] = "private, no-store"
    reponse["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return reponse


@require_POST
def deposer(request: HttpRequest, modele: str, object_id: str, categorie: str) -> HttpResponse:
    """Add a document (or, with ``remplace``, a new version) to an owner the user may add to."""
    suivant = _suivant(request)
    if not request.user.is_authenticated:
        return redirect_to_login(suivant)
    proprietaire = selectors.proprietaire_deposable_ou_404(
        request.user, selectors.modele_proprietaire(modele), object_id
    )
    form = DocumentForm(request.POST, request.FILES, request=request)
    if not form.is_valid():
        for erreur in form.errors.get("fichier", []):
            messages.error(request, erreur)
        return redirect(suivant)
    remplace = None
    if request.POST.get("remplace"):
        remplace = (
            selectors.documents_du_proprietaire(proprietaire, categorie=categorie, courants=False)
            .filter(pk=_uuid_ou_404(request.POST["remplace"])).first()
        )
        if remplace is None:
            raise Http404("Document introuvable.")
    try:
        document = services.document_deposer(
            fichier=form.cleaned_data["fichier"], acteur=request.user, proprietaire=proprietaire,
            categorie=categorie, remplace=remplace,
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        texte = f"Le fichier « {document.nom_original} » a été déposé."
        if document.etat_analyse == Document.EtatAnalyse.EN_ATTENTE:
            texte += " Les autres personnes pourront le télécharger après son analyse antivirale."
        messages.success(request, texte)
    return redirect(suivant)


@require_POST
def supprimer(request: HttpRequest, pk) -> HttpResponse:
    suivant = _suivant(request)
    if not request.user.is_authenticated:
        return redirect_to_login(suivant)
    document = selectors.document_pour(request.user, pk)
    try:
        services.document_supprimer(document=document, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Le document « {document.nom_original} » a été supprimé.")
    return redirect(suivant)


def _uuid_ou_404(valeur: str):
    import uuid

    try:
        return uuid.UUID(valeur)
    except ValueError as exc:
        raise Http404("Document introuvable.") from exc
