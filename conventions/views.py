"""Convention pages (STYLE.md: selector → service → redirect + message; every action is a POST).

    liste                ANS / ARS (its regions)   the conventions by state (counts), region, search; pages of 25
    convention           all who see the dossier   state, deadline and time left, documents, the actions
    envoyer              ANS admin / secrétariat   POST: the amount (the grid's ceiling, or lower with a
                                                   motive), then generation and sending
    renvoyer             ARS instructrice / ANS    POST: send an expired (or locked) convention again
    relancer             same                      POST: try a failed sending again
    signer (jeton)       the signatory, by link    GET: read; POST: receive a code / sign with it
    pdf (jeton)          the signatory, by link    the PDF to sign
    contresigner         DG ANS                    the queue (filters, pages of 25); POST: one code for the ticked
                                                   conventions or the next N, then the code opens a lot
    contresigner_lot     DG ANS (the lot's own)    the lot's progress: done / remaining / failed with reasons
    rappel_yousign       Yousign                   POST: the provider's webhook (HMAC-checked)

The dossier's convention is fetched through ``candidatures_pour`` (another structure's or region's
convention is a 404). The signing link is the signatory's credential together with the e-mailed code:
it carries the convention and its sending, signed by the portal.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidatures import selectors
from candidatures.queries import regions_de_la_file
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from care_portal.comptes.selectors import obtenir_ou_404
from care_portal.core import format_fr, travaux
from care_portal.core.limitation import limiter
from care_portal.documents.views import _adresse_ip
from care_portal.referentiel.models import Region
from care_portal.signature.base import RetourInvalide
from care_portal.workflow.services import WorkflowError

from . import plafonds, services
from .models import Convention

logger = logging.getLogger(__name__)

ROLES_DOSSIER = tuple(ROLES_ES | ROLES_ARS | ROLES_ANS)


PAR_PAGE_LISTE = 25


@roles_requis(*ROLES_ANS, *ROLES_ARS)
@require_GET
def liste(request: HttpRequest) -> HttpResponse:
    """The conventions the agent sees, by state, with their counts; the link of each opens its page."""
    from care_portal.core.pagination import paginer

    from . import selectors as lecture

    etats = {e.value for e in Convention.Etat}
    etat = request.GET.get("etat", "")
    etat = etat if etat in etats else ""
    filtres = _filtres(request.GET)
    conventions, comptes = lecture.liste(request.user, etat=etat, **filtres)
    pagination = paginer(request, conventions, PAR_PAGE_LISTE)
    autres = request.GET.copy()
    for cle in ("etat", "page"):
        autres.pop(cle, None)
    return render(request, "conventions/liste.html", {
        "title": "Conventions", "comptes": comptes, "etat_choisi": etat, "total": sum(c.nombre for c in comptes),
        "filtres_sans_etat": autres.urlencode(), "region_choisie": filtres["region"],
        "recherche": filtres["recherche"], "regions": regions_de_la_file(request.user), **pagination,
    })


def _convention(request: HttpRequest, pk: int) -> Convention:
    c = obtenir_ou_404(selectors.candidatures_pour(request.user), pk=pk)
    cv = Convention.objects.select_related("candidature__appel", "candidature__region_instructrice",
                                           "contresignataire").filter(candidature=c).first()
    if cv is None:
        raise Http404("Pas de convention pour ce dossier.")
    return cv


def _temps_restant(cv: Convention) -> str:
    if cv.etat != Convention.Etat.ENVOYEE or cv.echeance is None:
        return ""
    reste = cv.echeance - timezone.now()
    if reste.total_seconds() <= 0:
        return "délai dépassé"
    jours, secondes = reste.days, reste.seconds
    heures = secondes // 3600
    if jours:
        return f"{jours} jour{'s' if jours > 1 else ''} et {heures} heure{'s' if heures > 1 else ''}"
    minutes = (secondes % 3600) // 60
    return f"{heures} heure{'s' if heures > 1 else ''} et {minutes} minute{'s' if minutes > 1 else ''}"


def _est_signataire(user, cv: Convention) -> bool:
    c = cv.candidature
    portee = {"ght": c.ght} if c.ght_id else {"entite_juridique": c.entite_juridique}
    return (user.email.lower() == (c.signataire_email or "").lower()
            or services.a_role_confirme(user, [Role.SIGNATAIRE_ES], **portee))


def _contexte(request: HttpRequest, cv: Convention, **surcharges) -> dict:
    user = request.user
    peut_preparer = services.peut_preparer(user)
    peut_renvoyer = services.peut_renvoyer(user, cv)
    documents = {cat: services.document_courant(cv, cat) for cat in services.CATEGORIES}
    en_attente = travaux.en_attente(cv) if cv.envoi_demande_le is not None and not cv.erreur_envoi else []
    contexte = {
        "title": f"Convention {cv.numero}",
        "cv": cv,
        "c": cv.candidature,
        "temps_restant": _temps_restant(cv),
        "document_convention": documents[services.CATEGORIE_CONVENTION],
        "document_signee_es": documents[services.CATEGORIE_SIGNEE_ES],
        "document_signee": documents[services.CATEGORIE_SIGNEE],
        "peut_envoyer": peut_preparer and cv.etat == Convention.Etat.A_GENERER
        and (cv.envoi_demande_le is None),
        "envoi_en_cours": cv.envoi_demande_le is not None and not cv.erreur_envoi,
        # the sending waits past the threshold in the outbox (broker down, worker lost): relaunchable
        "envoi_en_attente": en_attente,
        "peut_relancer": (peut_preparer or peut_renvoyer) and cv.envoi_demande_le is not None
        and (bool(cv.erreur_envoi) or bool(en_attente)),
        "peut_renvoyer": peut_renvoyer and cv.peut_etre_renvoyee() and cv.envoi_demande_le is None,
        "lien_signature": services.jeton_signature(cv) if (
            cv.etat == Convention.Etat.ENVOYEE and cv.fournisseur == "native" and _est_signataire(user, cv)) else "",
        "montant_saisi": surcharges.pop("montant_saisi", None),
        "motif_saisi": surcharges.pop("motif_saisi", ""),
        "erreur_montant": surcharges.pop("erreur_montant", ""),
        "erreur_motif": surcharges.pop("erreur_motif", ""),
        # no ceiling stored yet: why (read from the grid now; the sending tries it again)
        "sans_plafond": plafonds.plafond_pour(cv.candidature).erreur if cv.plafond is None else "",
    }
    contexte.update(surcharges)
    return contexte


@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def convention(request: HttpRequest, pk: int) -> HttpResponse:
    cv = _convention(request, pk)
    return render(request, "conventions/detail.html", _contexte(request, cv))


def _vers(cv: Convention) -> HttpResponse:
    return redirect("conventions:detail", pk=cv.candidature_id)


@roles_requis(Role.ADMIN_ANS, Role.SECRETARIAT_ANS)
@require_POST
def envoyer(request: HttpRequest, pk: int) -> HttpResponse:
    cv = _convention(request, pk)
    montant, motif = request.POST.get("montant", ""), request.POST.get("motif", "")
    try:
        services.convention_envoyer(convention=cv, acteur=request.user, montant=montant, motif=motif)
    except WorkflowError as exc:
        champ = {"montant": {"erreur_montant": exc.message}, "motif": {"erreur_motif": exc.message}}.get(
            exc.code, {"alerte": {"titre": "La convention n'a pas été envoyée", "message": exc.message}})
        return render(request, "conventions/detail.html",
                      _contexte(request, _convention(request, pk), montant_saisi=montant, motif_saisi=motif,
                                **champ), status=400)
    messages.success(request, "Convention en cours de génération et d'envoi au signataire.")
    return _vers(cv)


def _action(request: HttpRequest, pk: int, service, succes: str, titre: str) -> HttpResponse:
    cv = _convention(request, pk)
    try:
        service(convention=cv, acteur=request.user)
    except WorkflowError as exc:
        return render(request, "conventions/detail.html",
                      _contexte(request, _convention(request, pk),
                                alerte={"titre": titre, "message": exc.message}), status=400)
    messages.success(request, succes)
    return _vers(cv)


@roles_requis(Role.REFERENT_ARS, *ROLES_ANS)
@require_POST
def renvoyer(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.convention_renvoyer,
                   "La convention est renvoyée au signataire, avec un nouveau délai.", "La convention n'a pas été renvoyée")


@roles_requis(Role.REFERENT_ARS, *ROLES_ANS)
@require_POST
def relancer(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.convention_relancer_envoi, "L'envoi de la convention est relancé.",
                   "L'envoi n'a pas été relancé")


# --- the signatory's link --------------------------------------------------------------------------

def _par_jeton(request: HttpRequest, jeton: str) -> Convention | HttpResponse:
    try:
        return services.convention_par_jeton(jeton)
    except WorkflowError as exc:
        return render(request, "conventions/lien_invalide.html",
                      {"title": "Lien de signature invalide", "message": exc.message}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def signer(request: HttpRequest, jeton: str) -> HttpResponse:
    cv = _par_jeton(request, jeton)
    if isinstance(cv, HttpResponse):
        return cv
    contexte = {"title": f"Signer la convention {cv.numero}", "cv": cv, "c": cv.candidature, "jeton": jeton,
                "temps_restant": _temps_restant(cv)}
    raison = services.etat_du_lien(cv)
    if raison:
        return render(request, "conventions/lien_invalide.html",
                      {"title": "Signature impossible", "message": raison, "cv": cv}, status=410)
    if request.method == "GET":
        return render(request, "conventions/signer.html", contexte)
    action = request.POST.get("action")
    try:
        if action == "code":
            if refus := limiter(request, "code_signature", compte=f"convention:{cv.pk}"):
                return refus  # no code sent
            services.code_envoyer_signataire(convention=cv)
            messages.success(request, f"Un code à 6 chiffres vient d'être envoyé à {cv.candidature.signataire_email}. "
                                      "Il est valable 10 minutes.")
            return redirect("conventions:signer", jeton=jeton)
        if action == "signer":
            services.convention_signer_es(convention=cv, code=request.POST.get("code", ""),
                                          consentement=request.POST.get("consentement") == "oui",
                                          ip=_adresse_ip(request))
            return render(request, "conventions/signee.html",
                          {"title": "Convention signée", "cv": Convention.objects.get(pk=cv.pk)})
    except services.CodeTropTot as exc:
        # 429 like the portal's other rate limits (core.limitation): nothing is wrong with the request, it
        # is too early; Retry-After gives the wait. The page is the signing page with an information alert.
        return _attendre(render(request, "conventions/signer.html", {**contexte, "attente": exc.message},
                                status=429), exc)
    except WorkflowError as exc:
        cv.refresh_from_db()
        statut = 410 if exc.code in ("etat", "bloque") else 400
        return render(request, "conventions/signer.html",
                      {**contexte, "cv": cv, "erreur": exc.message, "erreur_code": exc.code}, status=statut)
    return render(request, "conventions/signer.html",
                  {**contexte, "erreur": "Action inconnue."}, status=400)


@never_cache
@require_GET
def pdf(request: HttpRequest, jeton: str) -> HttpResponse:
    cv = _par_jeton(request, jeton)
    if isinstance(cv, HttpResponse):
        return cv
    try:
        document = services.convention_consulter(convention=cv, ip=_adresse_ip(request))
    except WorkflowError as exc:
        raise Http404(exc.message) from exc
    reponse = FileResponse(default_storage.open(document.cle_stockage, "rb"), as_attachment=False,
                           filename=document.nom_original, content_type="application/pdf")
    reponse["Cache-Control"] = "private, no-store"
    reponse["X-Content-Type-Options"] = "nosniff"
    return reponse


# --- the DG ANS's countersigning queue ------------------------------------------------------------------

PAR_PAGE_CONTRESIGNATURE = 25
LOT_PAR_DEFAUT = 50


def _filtres(donnees) -> dict:
    """The filters of both lists (all conventions, the countersigning queue) read from GET (or from the hidden
    fields of a POST): region code, search."""
    code = (donnees.get("region") or "").strip()
    region = Region.objects.filter(code=code).first() if code else None
    return {"region": region, "recherche": (donnees.get("q") or "").strip()[:100]}


def _contexte_contresignature(request: HttpRequest, filtres: dict, **surcharges) -> dict:
    from care_portal.core.pagination import paginer

    from . import selectors as lecture

    file = lecture.conventions_a_contresigner(**filtres)
    pagination = paginer(request, file, PAR_PAGE_CONTRESIGNATURE)
    contexte = {
        "title": "Conventions à contresigner", "conventions": list(pagination["page_obj"].object_list),
        **pagination, "regions": Region.objects.order_by("nom"), "region_choisie": filtres["region"],
        "recherche": filtres["recherche"], "total_a_contresigner": lecture.conventions_a_contresigner().count(),
        "en_cours": lecture.nombre_en_cours(), "lots": lecture.lots_recents(request.user),
        "taille_lot": LOT_PAR_DEFAUT, "taille_lot_max": services.TAILLE_LOT_MAX, "code_envoye": False,
    }
    contexte.update(surcharges)
    return contexte


def _choix(request: HttpRequest, filtres: dict) -> list[int]:
    """The conventions a code is asked for: the next N of the filtered queue, or those ticked."""
    from . import selectors as lecture

    if request.POST.get("selection") == "suivantes":
        try:
            nombre = int(request.POST.get("nombre") or LOT_PAR_DEFAUT)
        except ValueError:
            raise WorkflowError("Le nombre de conventions à choisir doit être un nombre entier.", code="nombre") \
                from None
        if not 1 <= nombre <= services.TAILLE_LOT_MAX:
            raise WorkflowError(f"Choisissez entre 1 et {services.TAILLE_LOT_MAX} conventions à la fois.",
                                code="nombre")
        return list(lecture.conventions_a_contresigner(**filtres).values_list("pk", flat=True)[:nombre])
    return [int(i) for i in request.POST.getlist("conventions") if i.isdigit()]


@never_cache
@roles_requis(Role.DG_ANS)
@require_http_methods(["GET", "POST"])
def contresigner(request: HttpRequest) -> HttpResponse:
    """The queue, filtered and paginated; POST ``code``: one code for the ticked conventions or the next
    N of the filtered queue; POST ``contresigner``: check the code, open the lot (sealed by tasks)."""
    from . import selectors as lecture

    filtres = _filtres(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET":
        return render(request, "conventions/contresigner.html",
                      _contexte_contresignature(request, filtres))
    action = request.POST.get("action")
    try:
        if action == "code":
            if refus := limiter(request, "code_signature", compte=f"user:{request.user.pk}"):
                return refus  # no code sent
            code = services.code_envoyer_dg(acteur=request.user,
                                            conventions=Convention.objects.filter(pk__in=_choix(request, filtres)))
            messages.success(request, f"Un code à 6 chiffres vient d'être envoyé à {request.user.email}.")
            choisies = list(code.conventions.order_by("pk").values_list("numero", flat=True))
            return render(request, "conventions/contresigner.html",
                          _contexte_contresignature(request, filtres, code_envoye=True, choisies=choisies))
        if action == "contresigner":
            lot = services.conventions_contresigner(acteur=request.user, code=request.POST.get("code", ""),
                                                    ip=_adresse_ip(request))
            etat = lecture.avancement(lot)
            if not etat.termine:
                messages.success(request, f"Code accepté : {etat.total} convention{'s' if etat.total > 1 else ''} "
                                          "en cours de contresignature.")
                return redirect("conventions:contresigner_lot", pk=lot.pk)
            _message_lot_termine(request, etat)
            return redirect("conventions:contresigner")
        raise WorkflowError("Action inconnue.", code="action")
    except services.CodeTropTot as exc:
        return _attendre(render(request, "conventions/contresigner.html",
                                _contexte_contresignature(request, filtres, attente=exc.message), status=429), exc)
    except WorkflowError as exc:
        contexte = _contexte_contresignature(request, filtres, erreur=exc.message, code_envoye=exc.code == "code")
        return render(request, "conventions/contresigner.html", contexte, status=400)


def _attendre(reponse: HttpResponse, exc: services.CodeTropTot) -> HttpResponse:
    reponse["Retry-After"] = str(exc.secondes)
    return reponse


def _message_lot_termine(request: HttpRequest, etat) -> None:
    n = etat.faites
    if n:
        messages.success(request, f"{n} convention{'s' if n > 1 else ''} contresignée{'s' if n > 1 else ''} : "
                                  + ", ".join(e.convention.numero for e in etat.contresignees) + ".")
    if etat.echecs:
        messages.error(request, f"{len(etat.echecs)} convention{format_fr.s(len(etat.echecs))} non contresignée{format_fr.s(len(etat.echecs))} : "
                                + " ; ".join(f"{e.convention.numero} — {e.erreur}" for e in etat.echecs))


@never_cache
@roles_requis(Role.DG_ANS)
@require_GET
def contresigner_lot(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of one of the DG's lots: done / remaining / failed with the reasons; the page
    reloads itself (meta refresh, no script) while conventions remain to seal."""
    from . import selectors as lecture

    etat = lecture.avancement(lecture.lot_de(request.user, pk))
    return render(request, "conventions/contresigner_lot.html",
                  {"title": f"Contresignature — lot n° {etat.lot.pk}", "etat": etat,
                   "rafraichir": 0 if etat.termine else 3})


# --- the provider's callbacks ---------------------------------------------------------------------

@csrf_exempt
@require_POST
def rappel_yousign(request: HttpRequest) -> HttpResponse:
    prestataire = services.fournisseur_tiers()
    if prestataire is None or prestataire.code != "yousign":
        raise Http404()
    try:
        retour = prestataire.lire_retour(corps=request.body, entetes=request.headers)
    except RetourInvalide as exc:
        logger.warning("signature: webhook Yousign refusé (%s) depuis %s", exc, _adresse_ip(request))
        return HttpResponse("signature invalide", status=401, content_type="text/plain")
    resultat = services.retour_traiter(retour)
    if resultat == "inconnu":
        return HttpResponse("demande inconnue", status=404, content_type="text/plain")
    return HttpResponse(resultat, status=200, content_type="text/plain")


def lien_convention(cv: Convention) -> str:
    return reverse("conventions:detail", args=[cv.candidature_id])
