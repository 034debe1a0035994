"""Pages of the agents' desk (README: access pattern; STYLE.md: selector → service → redirect + message).

    dossiers             ARS/ANS  the dossier list: views, filters, saved filters, columns, bulk form
    exporter             ARS/ANS  the filtered list as CSV or XLSX (core/exports.py)
    filtre_enregistrer   ARS/ANS  POST: save the current filters and columns under a name
    filtre_supprimer     ARS/ANS  POST
    etiquettes           ARS/ANS  the agency's labels; POST: create one
    etiquette_modifier / etiquette_supprimer   POST
    prendre / affecter / desaffecter / suivre / ne_plus_suivre / note_ajouter / etiquette_poser /
    etiquette_retirer    POST from the dossier's panel ({% panneau_bureau dossier %}), back to ``retour``

Every view serves the agents only (``roles_requis``: an establishment user gets the 403 page) and
fetches the dossier through ``selectors.dossier_ou_404``: another region's dossier is a 404. A refusal
(``WorkflowError``) comes back as a DSFR alert message; nothing was changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_AGENTS
from care_portal.comptes.selectors import habilitations
from care_portal.core import etapes, exports, pagination
from care_portal.core.alertes import erreurs_du_formulaire
from care_portal.workflow.services import WorkflowError

from . import liste, selectors, services
from .agences import agence_pour, agences_de, collegues, mentionnables
from .forms import AffecterForm, EtiquetteForm, FiltreEnregistreForm, NoteForm, PoseForm
from .models import Couleur, Etiquette, FiltreEnregistre

ROLES = tuple(ROLES_AGENTS)


def _retour(request: HttpRequest, defaut: str) -> str:
    """Where to go back after a POST: the ``retour`` field if it is a page of this site, else ``defaut``."""
    url = request.POST.get("retour") or request.GET.get("retour") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                               require_https=request.is_secure()):
        return url
    return defaut


# --- the list ---------------------------------------------------------------------------------------------

def _contexte_liste(request: HttpRequest) -> tuple[liste.Criteres, liste.Choix, list[str]]:
    choix = liste.Choix.pour(request.user)
    criteres, erreurs = liste.lire(request.GET, choix)
    return criteres, choix, erreurs


@never_cache
@require_GET
@roles_requis(*ROLES)
def dossiers(request: HttpRequest) -> HttpResponse:
    user = request.user
    criteres, choix, erreurs = _contexte_liste(request)
    qs = liste.dossiers(user, criteres, choix)
    contexte = pagination.paginer(request, qs, liste.TAILLE_PAGE)
    page = contexte["page_obj"]
    page.object_list = liste.enrichir(user, page.object_list)
    comptes = liste.compter_vues(user)
    filtres = selectors.filtres_de(user)
    for f in filtres:  # one count each (an agent keeps at most services.FILTRES_MAX)
        c, _ = liste.lire(QueryDict(f.requete), choix)
        f.nombre = liste.dossiers(user, c, choix).count()
        colonnes = QueryDict(mutable=True)
        colonnes.setlist("colonnes", f.colonnes)
        f.lien = "?" + "&".join(p for p in (f.requete, colonnes.urlencode()) if p)
        f.actif = f.requete == criteres.requete() and list(f.colonnes) == criteres.colonnes
    colonnes_qd = QueryDict(mutable=True)
    colonnes_qd.setlist("colonnes", criteres.colonnes)
    requete = criteres.requete()
    h = habilitations(user)
    return render(request, "bureau/dossiers.html", {
        "title": "Dossiers",
        "portee": "de toutes les régions" if h.est_ans else ("de vos régions" if len(h.region_ids) > 1
                                                             else "de votre région"),
        **contexte,
        "criteres": criteres, "choix": choix, "erreurs": erreurs,
        "vues": [{"code": code, "libelle": libelle, "nombre": comptes[code],
                  "lien": "?" + "&".join(p for p in (criteres.requete(vue=code), colonnes_qd.urlencode()) if p),
                  "actif": criteres.vue == code} for code, libelle in liste.VUES.items()],
        "colonnes": [(code, liste.COLONNES[code]) for code in criteres.colonnes],
        "toutes_colonnes": list(liste.COLONNES.items()),
        "tris": list(liste.TRIS.items()),
        "filtres": filtres,
        "requete": requete,
        "requete_colonnes": "&".join(p for p in (requete, colonnes_qd.urlencode()) if p),
        "form_filtre": FiltreEnregistreForm(initial={"requete": requete}),
        "actions": etapes.actions(h),
        "retour": request.get_full_path(),
        "agent_moi": liste.AGENT_MOI, "agent_aucun": liste.AGENT_AUCUN,
        "separateur": liste.SEPARATEUR_ETAT,
    })


@never_cache
@require_GET
@roles_requis(*ROLES)
def exporter(request: HttpRequest) -> HttpResponse:
    format_ = request.GET.get("format", "csv")
    if format_ not in ("csv", "xlsx"):
        messages.error(request, "Choisissez un export CSV ou XLSX.")
        return redirect(reverse("bureau:dossiers") + "?" + request.GET.urlencode())
    criteres, choix, _ = _contexte_liste(request)
    qs = liste.dossiers(request.user, criteres, choix)
    entete = liste.entete_export(criteres.colonnes)
    lignes = liste.lignes_export(request.user, qs, criteres.colonnes)
    nom = f"ecare-dossiers-{timezone.localdate():%Y-%m-%d}"
    if format_ == "xlsx":
        return exports.reponse_xlsx(entete, lignes, nom=f"{nom}.xlsx", feuille="Dossiers")
    return exports.reponse_csv(entete, lignes, nom=f"{nom}.csv")


@require_POST
@roles_requis(*ROLES)
def filtre_enregistrer(request: HttpRequest) -> HttpResponse:
    form = FiltreEnregistreForm(request.POST)
    requete = request.POST.get("requete", "")
    vers = reverse("bureau:dossiers") + ("?" + requete if requete and len(requete) < 2000 else "")
    if not form.is_valid():
        for e in erreurs_du_formulaire(form):
            messages.error(request, e)
        return redirect(vers)
    try:
        f = services.filtre_enregistrer(agent=request.user, nom=form.cleaned_data["nom"],
                                        requete=form.cleaned_data["requete"],
                                        colonnes=request.POST.getlist("colonnes"))
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect(vers)
    messages.success(request, f"Filtre « {f.nom} » enregistré.")
    colonnes = QueryDict(mutable=True)
    colonnes.setlist("colonnes", f.colonnes)
    return redirect(reverse("bureau:dossiers") + "?" + "&".join(p for p in (f.requete, colonnes.urlencode()) if p))


@require_POST
@roles_requis(*ROLES)
def filtre_supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(FiltreEnregistre, pk=pk, agent=request.user)
    services.filtre_supprimer(filtre=f, acteur=request.user)
    messages.success(request, f"Filtre « {f.nom} » supprimé.")
    return redirect("bureau:dossiers")


# --- the labels of the agency -----------------------------------------------------------------------------

def _agence_choisie(request: HttpRequest):
    """The agency a label form is for (``agence``: its key), among the agent's; the first by default."""
    agences = agences_de(request.user)
    cle = request.POST.get("agence", "")
    return next((a for a in agences if a.cle == cle), agences[0] if agences and not cle else None)


@never_cache
@require_http_methods(["GET", "POST"])
@roles_requis(*ROLES)
def etiquettes(request: HttpRequest) -> HttpResponse:
    form = EtiquetteForm(request.POST or None)
    agences = agences_de(request.user)
    if request.method == "POST":
        agence = _agence_choisie(request)
        if agence is None:
            messages.error(request, "Choisissez l'agence de l'étiquette parmi les vôtres.")
        elif form.is_valid():
            try:
                e = services.etiquette_creer(agence=agence, libelle=form.cleaned_data["libelle"],
                                             couleur=form.cleaned_data["couleur"], acteur=request.user)
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Étiquette « {e.libelle} » créée.")
                return redirect(_retour(request, reverse("bureau:etiquettes")))
        else:
            for e in erreurs_du_formulaire(form):
                messages.error(request, e)
    lignes = list(selectors.etiquettes_de(request.user).annotate(nombre=Count("poses")))
    return render(request, "bureau/etiquettes.html", {
        "title": "Étiquettes de l'agence", "form": form, "etiquettes": lignes, "agences": agences,
        "couleurs": Couleur.choices,
    }, status=400 if request.method == "POST" else 200)


def _etiquette_de_l_agent(request: HttpRequest, pk: int) -> Etiquette:
    e = selectors.etiquettes_de(request.user).filter(pk=pk).first()
    if e is None:
        raise Http404("Étiquette introuvable.")
    return e


@require_POST
@roles_requis(*ROLES)
def etiquette_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    e = _etiquette_de_l_agent(request, pk)
    form = EtiquetteForm(request.POST)
    if not form.is_valid():
        for err in erreurs_du_formulaire(form):
            messages.error(request, err)
        return redirect("bureau:etiquettes")
    try:
        services.etiquette_modifier(etiquette=e, libelle=form.cleaned_data["libelle"],
                                    couleur=form.cleaned_data["couleur"], acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Étiquette modifiée.")
    return redirect("bureau:etiquettes")


@require_POST
@roles_requis(*ROLES)
def etiquette_supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    e = _etiquette_de_l_agent(request, pk)
    try:
        n = services.etiquette_supprimer(etiquette=e, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Étiquette « {e.libelle} » supprimée"
                                  + (f" (retirée de {n} dossier{'s' if n > 1 else ''})." if n else "."))
    return redirect("bureau:etiquettes")


# --- the dossier's panel ----------------------------------------------------------------------------------

def _action_dossier(request: HttpRequest, pk: int, action) -> HttpResponse:
    """Fetch the dossier in the agent's scope (404 otherwise), run ``action(dossier)`` (a success message,
    or a WorkflowError shown as an error), and go back to ``retour`` (default: the dossier's page)."""
    dossier = selectors.dossier_ou_404(request.user, pk)
    try:
        succes = action(dossier)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        if succes:
            messages.success(request, succes)
    return redirect(_retour(request, services.lien_dossier(dossier) + "#bureau"))


def _nom(user) -> str:
    return user.get_full_name() or user.email


def _exiger_valide(form) -> None:
    """A panel form that does not validate refuses the action with its errors, in French."""
    if not form.is_valid():
        raise WorkflowError(" ".join(erreurs_du_formulaire(form)))


@require_POST
@roles_requis(*ROLES)
def prendre(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        services.affectation_prendre(dossier=d, acteur=request.user)
        return "Le dossier vous est affecté."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def affecter(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        agence = agence_pour(request.user, d)
        form = AffecterForm(request.POST, collegues=collegues(agence) if agence else None)
        if agence is None:
            raise WorkflowError("Ce dossier n'est pas instruit par votre agence.")
        _exiger_valide(form)
        agent = form.cleaned_data["agent"]
        services.affectation_affecter(dossier=d, agent=agent, acteur=request.user)
        return "Le dossier vous est affecté." if agent.pk == request.user.pk else f"Dossier affecté à {_nom(agent)}."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def desaffecter(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        services.affectation_retirer(dossier=d, acteur=request.user)
        return "Le dossier n'est plus affecté."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def suivre(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        services.suivi_ajouter(dossier=d, acteur=request.user)
        return "Vous suivez ce dossier : il est dans votre liste « Suivis »."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def ne_plus_suivre(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        services.suivi_retirer(dossier=d, acteur=request.user)
        return "Vous ne suivez plus ce dossier."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def note_ajouter(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        form = NoteForm(request.POST, mentionnables=mentionnables(d).exclude(pk=request.user.pk))
        _exiger_valide(form)
        note = services.note_ajouter(dossier=d, texte=form.cleaned_data["texte"], acteur=request.user,
                                     mentions=form.cleaned_data["mentions"])
        n = note.mentions.count()
        return "Note ajoutée." + (f" {n} collègue{'s' if n > 1 else ''} prévenu{'s' if n > 1 else ''}." if n else "")
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def etiquette_poser(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        form = PoseForm(request.POST, etiquettes=selectors.etiquettes_pour_dossier(request.user, d))
        _exiger_valide(form)
        e = form.cleaned_data["etiquette"]
        services.etiquette_poser(dossier=d, etiquette=e, acteur=request.user)
        return f"Étiquette « {e.libelle} » ajoutée."
    return _action_dossier(request, pk, action)


@require_POST
@roles_requis(*ROLES)
def etiquette_retirer(request: HttpRequest, pk: int) -> HttpResponse:
    def action(d):
        form = PoseForm(request.POST, etiquettes=selectors.etiquettes_pour_dossier(request.user, d))
        _exiger_valide(form)
        e = form.cleaned_data["etiquette"]
        services.etiquette_retirer(dossier=d, etiquette=e, acteur=request.user)
        return f"Étiquette « {e.libelle} » retirée."
    return _action_dossier(request, pk, action)
