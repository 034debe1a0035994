"""Payment pages (the ANS payment circuit, the finance dashboard, the ES's view of its payment).

Every view declares its roles (``roles_requis``) and fetches its object through a permission-filtered
selector (``obtenir_ou_404``: another structure's or region's payment answers 404); every action is a
POST (CSRF) that calls one service; a refusal (``WorkflowError``) is shown as a French DSFR alert on the
page, with status 400 — never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from candidatures.selectors import candidatures_pour
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ES, Role
from care_portal.comptes.selectors import obtenir_ou_404
from care_portal.core import exports, format_fr
from care_portal.core.alertes import alerte
from care_portal.core.pagination import paginer
from care_portal.referentiel.models import AppelAFinancement
from care_portal.workflow.chronologie import chronologie
from care_portal.workflow.services import WorkflowError

from . import selectors, services
from .forms import ConfirmationForm, LotForm, PaiementManuelForm, RejetForm
from .models import LotVirement, Paiement

AGENTS = (Role.SECRETARIAT_ANS, Role.ADMIN_ANS)
PAR_PAGE = 50  # payments per page (the list and a batch's page)
LIGNES_SANS_PAIEMENT = 50  # validated controls without payment per page, oldest first, with their count
LOTS_PAR_PAGE = 20  # batches per page, latest first, with their count
REFERENCES_EN_ATTENTE = 50  # references of the ordered payments awaiting a batch named on the page
PAGE_SANS_PAIEMENT, PAGE_LOTS = "page_sans_paiement", "page_lots"  # the other lists' own page keys

def _paiement(request: HttpRequest, pk: int) -> Paiement:
    return obtenir_ou_404(selectors.paiements_pour(request.user), pk=pk)


# --- the list ------------------------------------------------------------------------------------------

def _page_liste(request: HttpRequest, *, alerte: dict | None = None, form_lot: LotForm | None = None,
                form_confirmation: ConfirmationForm | None = None, status: int = 200) -> HttpResponse:
    etat = request.GET.get("etat", "")
    qs = selectors.paiements_pour(request.user)
    if etat in Paiement.Etat.values:
        qs = qs.filter(etat=etat)
    # Each list has its own page key (the others' pages and the filter are kept in its links); the
    # amounts of the controls without payment are computed for the page's rows only, in bulk.
    sans = paginer(request, selectors.controles_sans_paiement(), LIGNES_SANS_PAIEMENT, cle=PAGE_SANS_PAIEMENT)
    controles = list(sans["page_obj"].object_list)
    calculs = selectors.calculs_pour(controles)
    a_mettre_en_lot = selectors.paiements_pour(request.user).filter(
        etat=Paiement.Etat.ORDONNANCE, lot__isnull=True).order_by("pk")
    nombre_a_mettre_en_lot = a_mettre_en_lot.count()
    pagination = paginer(request, qs, PAR_PAGE)
    lots = paginer(request, selectors.lots().order_by("-cree_le", "-pk"), LOTS_PAR_PAGE, cle=PAGE_LOTS)
    return render(request, "paiement/liste.html", {
        "title": "Paiements", "paiements": list(pagination["page_obj"].object_list), **pagination,
        "etat": etat, "etats": Paiement.Etat.choices,
        "sans_paiement": [(c, calculs[c.pk].erreur) for c in controles], "nombre_sans_paiement": sans["nombre"],
        "pagination_sans_paiement": {**sans, "cle": PAGE_SANS_PAIEMENT},
        "alerte": alerte, "a_mettre_en_lot": list(a_mettre_en_lot.values_list("reference", flat=True)[:REFERENCES_EN_ATTENTE]),
        "nombre_a_mettre_en_lot": nombre_a_mettre_en_lot,
        "autres_a_mettre_en_lot": max(0, nombre_a_mettre_en_lot - REFERENCES_EN_ATTENTE),
        "form_lot": form_lot or LotForm(), "form_confirmation": form_confirmation or ConfirmationForm(),
        "lots": list(lots["page_obj"].object_list), "nombre_lots": lots["nombre"],
        "pagination_lots": {**lots, "cle": PAGE_LOTS},
    }, status=status)


@never_cache
@require_GET
@roles_requis(*AGENTS)
def liste(request: HttpRequest) -> HttpResponse:
    return _page_liste(request)


@require_POST
@roles_requis(*AGENTS)
def creer(request: HttpRequest) -> HttpResponse:
    """Create the payments of the validated controls that have none (idempotent)."""
    try:
        r = services.paiements_creer_a_valider(acteur=request.user)
    except WorkflowError as exc:
        return _page_liste(request, alerte=alerte("Aucun paiement n'a été créé", exc.message), status=400)
    messages.success(request, f"{len(r.crees)} paiement{format_fr.s(len(r.crees))} créé{format_fr.s(len(r.crees))}, à valider."
                     + (f" {len(r.ignores)} contrôle{format_fr.s(len(r.ignores))} validé{format_fr.s(len(r.ignores))} sans paiement : voir leur motif ci-dessous."
                        if r.ignores else ""))
    return redirect("paiement:liste")


# --- one payment ---------------------------------------------------------------------------------------

def _rendre(request: HttpRequest, p: Paiement, *, status: int = 200, **surcharges) -> HttpResponse:
    p = _paiement(request, p.pk)
    actions = {t.name for t in p.get_available_user_etat_transitions(request.user)}
    from care_portal.comptes.selectors import habilitations

    ars = Role.REFERENT_ARS in habilitations(request.user).roles
    contexte = {
        "title": f"Paiement {p.reference}", "p": p, "cand": p.convention.candidature, "actions": actions,
        "iban_modifie": selectors.iban_modifie(p), "peut_reverifier": ars and p.etat not in (p.Etat.PAYE,
                                                                                                p.Etat.REJETE),
        "chronologie": chronologie([p], limite=100), "form_rejet": RejetForm(), "form_paiement": PaiementManuelForm(),
        "explications": p.calcul.get("explications", []), "fenetre": selectors.fenetre_ouverte(
            p.convention.candidature.appel),
        "est_agent": bool(actions) or _est_agent(request.user),
    }
    contexte.update(surcharges)
    return render(request, "paiement/detail.html", contexte, status=status)


def _est_agent(user) -> bool:
    from care_portal.comptes.selectors import habilitations

    return habilitations(user).a(*AGENTS)


@never_cache
@require_GET
@roles_requis(*AGENTS, Role.REFERENT_ARS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _rendre(request, _paiement(request, pk))


def _action(request: HttpRequest, pk: int, titre: str, faire, succes: str, **formulaires) -> HttpResponse:
    p = _paiement(request, pk)
    try:
        faire(p)
    except WorkflowError as exc:
        return _rendre(request, p, status=400, alerte=alerte(titre, exc.message), **formulaires)
    messages.success(request, succes)
    return redirect("paiement:detail", pk=p.pk)


@require_POST
@roles_requis(Role.SECRETARIAT_ANS)
def valider(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "Le paiement n'a pas été validé",
                   lambda p: services.paiement_valider(paiement=p, acteur=request.user),
                   "Paiement validé : un second agent de l'ANS doit maintenant l'ordonnancer.")


@require_POST
@roles_requis(*AGENTS)
def ordonnancer(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "Le paiement n'a pas été ordonnancé",
                   lambda p: services.paiement_ordonnancer(paiement=p, acteur=request.user),
                   "Paiement ordonnancé : il rejoindra le prochain lot de virements SEPA.")


@require_POST
@roles_requis(*AGENTS)
def rejeter(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejetForm(request.POST)
    if not form.is_valid():
        p = _paiement(request, pk)
        return _rendre(request, p, status=400, form_rejet=form,
                       alerte=alerte("Le paiement n'a pas été rejeté", "Indiquez le motif du rejet."))
    return _action(request, pk, "Le paiement n'a pas été rejeté",
                   lambda p: services.paiement_rejeter(paiement=p, acteur=request.user,
                                                       motif=form.cleaned_data["motif"]),
                   "Paiement rejeté.", form_rejet=form)


@require_POST
@roles_requis(*AGENTS)
def payer(request: HttpRequest, pk: int) -> HttpResponse:
    p = _paiement(request, pk)
    form = PaiementManuelForm(request.POST, ordonnance_le=services.ordonnance_du(p))
    if not form.is_valid():
        return _rendre(request, p, status=400, form_paiement=form,
                       alerte=alerte("Le paiement n'a pas été marqué payé", "Corrigez les champs signalés."))
    return _action(request, pk, "Le paiement n'a pas été marqué payé",
                   lambda p: services.paiement_marquer_paye(paiement=p, acteur=request.user,
                                                            le=form.cleaned_data["le"],
                                                            reference_bancaire=form.cleaned_data["reference_bancaire"]),
                   "Paiement marqué payé : l'établissement reçoit l'avis de paiement.", form_paiement=form)


@require_POST
@roles_requis(Role.REFERENT_ARS)
def reverifier_iban(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "Les coordonnées bancaires n'ont pas été revérifiées",
                   lambda p: services.paiement_reverifier_iban(paiement=p, acteur=request.user),
                   "Coordonnées bancaires revérifiées : le paiement peut être ordonnancé.")


# --- SEPA batches ----------------------------------------------------------------------------------------

@require_POST
@roles_requis(*AGENTS)
def lots(request: HttpRequest) -> HttpResponse:
    """Create a batch of the ordered payments not yet in a batch, with its SEPA file."""
    form = LotForm(request.POST, fenetres=services.fenetres_de(selectors.paiements_en_attente_de_lot()))
    if not form.is_valid():
        return _page_liste(request, form_lot=form, status=400,
                           alerte=alerte("Le lot n'a pas été créé", "Corrigez la date d'exécution."))
    try:
        lot = services.lot_creer(acteur=request.user, date_execution=form.cleaned_data["date_execution"])
    except WorkflowError as exc:
        return _page_liste(request, form_lot=form, status=400, alerte=alerte("Le lot n'a pas été créé", exc.message))
    messages.success(request, f"Lot {lot.message_id} créé : {lot.nombre} virement(s). Téléchargez le fichier SEPA "
                              "et transmettez-le à la banque.")
    return redirect("paiement:lot_detail", pk=lot.pk)


def _lot(request: HttpRequest, pk: int) -> LotVirement:
    return obtenir_ou_404(selectors.lots(), pk=pk)


@never_cache
@require_GET
@roles_requis(*AGENTS)
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    pagination = paginer(request, lot.paiements.select_related(
        "convention__candidature__ght", "convention__candidature__entite_juridique").order_by("pk"), PAR_PAGE)
    return render(request, "paiement/lot.html", {
        "title": f"Lot de virements {lot.message_id}", "lot": lot,
        "paiements": list(pagination["page_obj"].object_list), **pagination,
        "form_confirmation": ConfirmationForm(),
    })


@never_cache
@require_GET
@roles_requis(*AGENTS)
def lot_xml(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's pain.001.001.09 file, read back from its kept archive (download logged)."""
    from care_portal.documents import services as documents

    lot = _lot(request, pk)
    if lot.document is None:
        raise Http404("Fichier absent.")
    try:
        xml = services.xml_du_lot(lot)
    except (WorkflowError, OSError, KeyError) as exc:
        messages.error(request, getattr(exc, "message", "Le fichier de virement conservé est illisible."))
        return redirect("paiement:lot_detail", pk=lot.pk)
    documents.telechargement_enregistrer(document=lot.document, utilisateur=request.user,
                                         adresse_ip=request.META.get("REMOTE_ADDR"),
                                         agent_utilisateur=request.META.get("HTTP_USER_AGENT", ""))
    reponse = HttpResponse(xml, content_type="application/xml")
    reponse["Content-Disposition"] = f'attachment; filename="{lot.message_id}.xml"'
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Cache-Control"] = "private, no-store"
    return reponse


@require_POST
@roles_requis(*AGENTS)
def confirmation(request: HttpRequest) -> HttpResponse:
    """Import the bank's confirmation file: the ordered payments it names become paid (all or nothing)."""
    form = ConfirmationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page_liste(request, form_confirmation=form, status=400,
                           alerte=alerte("La confirmation n'a pas été importée", "Choisissez un fichier CSV."))
    fichier = form.cleaned_data["fichier"]
    try:
        r = services.confirmation_importer(acteur=request.user, contenu=fichier.read(), nom_fichier=fichier.name)
    except services.ConfirmationInvalide as exc:
        return _page_liste(request, form_confirmation=form, status=400,
                           alerte=alerte("La confirmation n'a pas été importée", exc.message, exc.erreurs))
    except WorkflowError as exc:
        return _page_liste(request, form_confirmation=form, status=400,
                           alerte=alerte("La confirmation n'a pas été importée", exc.message))
    messages.success(request, f"Confirmation importée : {len(r.payes)} paiement{format_fr.s(len(r.payes))} marqué{format_fr.s(len(r.payes))} payé{format_fr.s(len(r.payes))}"
                     + (f", {len(r.deja_payes)} déjà payé{format_fr.s(len(r.deja_payes))} ignoré{format_fr.s(len(r.deja_payes))} (rien n'est payé deux fois)."
                        if r.deja_payes else "."))
    return redirect("paiement:liste")


# --- the finance dashboard ---------------------------------------------------------------------------------

def _appel(request: HttpRequest) -> AppelAFinancement | None:
    from care_portal.referentiel import selectors as referentiel_selectors

    code = request.GET.get("appel")
    if code:
        return obtenir_ou_404(AppelAFinancement.objects.all(), code=code)
    return referentiel_selectors.appel_courant() or AppelAFinancement.objects.order_by("-candidature_debut").first()


@never_cache
@require_GET
@roles_requis(*AGENTS)
def finances(request: HttpRequest) -> HttpResponse:
    appel = _appel(request)
    return render(request, "paiement/finances.html", {
        "title": "Tableau de bord financier", "appel": appel,
        "appels": list(AppelAFinancement.objects.order_by("-candidature_debut")),
        "tableau": selectors.tableau_finances(appel) if appel else None,
    })


ENTETE_EXPORT = ["axe", "libellé", "conventions signées", "engagé (€)", "à valider (€)", "validé (€)", "payé (€)",
                 "reste à payer sur l'engagé (€)", "paiements", "rejetés"]


def _rangees(t) -> list[list]:
    """Amounts stay Decimals: numbers in the XLSX (a negative remainder too), plain text in the CSV."""
    rangees = [["enveloppe", t.appel.nom, "", t.enveloppe, "", "", "", t.reste_enveloppe, "", ""]]
    for axe, groupe in (("total", [t.total]), ("région", t.par_region), ("type", t.par_type)):
        for a in groupe:
            rangees.append([axe, a.libelle, a.conventions, a.engage, a.a_valider, a.valide, a.paye,
                            a.reste_a_payer, a.paiements, a.rejete])
    return rangees


@never_cache
@require_GET
@roles_requis(*AGENTS)
def finances_export(request: HttpRequest, format: str) -> HttpResponse:
    appel = _appel(request)
    if appel is None or format not in ("csv", "xlsx"):
        raise Http404("Export inconnu.")
    t = selectors.tableau_finances(appel)
    nom = f"finances-{appel.code}.{format}"
    if format == "csv":
        return exports.reponse_csv(ENTETE_EXPORT, _rangees(t), nom=nom, en_flux=False)
    return exports.reponse_xlsx(ENTETE_EXPORT, _rangees(t), nom=nom, feuille="Finances")


# --- the ES's view ----------------------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(*ROLES_ES, *AGENTS, Role.REFERENT_ARS)
def pour_candidature(request: HttpRequest, pk: int) -> HttpResponse:
    """The payment of a dossier: amount, computation, state (404 for another structure's dossier)."""
    cand = obtenir_ou_404(candidatures_pour(request.user), pk=pk)
    p = selectors.paiements_pour(request.user).filter(convention__candidature=cand).first()
    return render(request, "paiement/pour_candidature.html", {
        "title": f"Paiement — {cand.structure_libelle}", "cand": cand, "p": p,
        "explications": p.calcul.get("explications", []) if p else [],
        "lien_agent": reverse("paiement:detail", args=[p.pk]) if p and _est_agent(request.user) else "",
    })


@never_cache
@require_GET
@roles_requis(*ROLES_ES)
def mes_paiements(request: HttpRequest) -> HttpResponse:
    """The payments of the ES's structures (menu « Mes paiements »), paginated with their count, and the
    dossiers still on their way to a payment."""
    qs = (selectors.paiements_pour(request.user)
          .select_related("convention__candidature__appel", "convention__candidature__ght",
                          "convention__candidature__entite_juridique")
          .order_by("-cree_le", "-pk"))
    pagination = paginer(request, qs, 25)
    dossiers = (candidatures_pour(request.user).filter(convention__paiements__isnull=True)
                .select_related("ght", "entite_juridique", "appel").order_by("-pk"))
    return render(request, "paiement/mes_paiements.html", {
        "title": "Mes paiements", "paiements": list(pagination["page_obj"].object_list), **pagination,
        "sans_paiement": list(dossiers[:50]), "nombre_sans_paiement": dossiers.count(),
    })
