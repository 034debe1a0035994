"""Candidature pages (README: access pattern; STYLE.md: selector → service → redirect + message).

    mes_candidatures   ES      the structures of the user, their candidatures, "open my candidature"
    creer              ES réf. POST: candidature_creer for an open call
    file_instruction   ARS/ANS the region's queue (ANS: every region, read-only)
    detail             all     the dossier: sections (a form while the ES may edit), prerequisites,
                               documents, timeline, messages, the actions the user may take
    enregistrer        ES      POST: save the draft and the chosen files (never refused for a bad IBAN)
    perimetre_ajuster  ES réf. POST: adjust one perimeter line, with a motive
    deposer            ES réf. POST: save the draft, then candidature_deposer
    retirer            ES réf. GET: confirmation; POST: candidature_retirer
    demander_complement / declarer_complete / rejeter   ARS   POST
    message_envoyer    all     POST: a message (and attachments) on the dossier

Each view declares its roles (``roles_requis``) and fetches the candidature with
``obtenir_ou_404(candidatures_pour(user), pk=…)``: another structure's or region's dossier is a 404.
A refusal (``WorkflowError``) re-renders the dossier with a DSFR alert; nothing was changed.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from care_portal.bureau import selectors as bureau_selectors
from care_portal.comptes.access import roles_requis
from care_portal.comptes.roles import ROLES_ANS, ROLES_ARS, ROLES_ES, Role
from care_portal.comptes.selectors import habilitations, obtenir_ou_404
from care_portal.core import etapes, pagination
from care_portal.core.alertes import action_avec_motif, alerte, erreurs_du_formulaire
from care_portal.documents import services as documents_services
from care_portal.documents.upload import refus_upload
from care_portal.referentiel.models import AppelAFinancement
from care_portal.referentiel.selectors import appel_courant
from care_portal.workflow.services import WorkflowError

from . import queries, selectors, services
from .banque import verifier_coordonnees
from .forms import (
    FORMULAIRE_BROUILLON,
    CandidatureForm,
    FiltreFileForm,
    MessageForm,
    PerimetreForm,
    formulaire_complement,
    formulaire_rejet,
    formulaire_retrait,
)
from .models import Candidature
from .regles import PREUVES_PREREQUIS

ROLES_DOSSIER = tuple(ROLES_ES | ROLES_ARS | ROLES_ANS)
ROLES_EDITION = (Role.REFERENT_ES, Role.DSI, Role.RSSI)  # services.peut_editer
ROLES_FILE = (Role.REFERENT_ARS, *ROLES_ANS)
PIECE = re.compile(r"^piece-(?:(?P<ligne>\d+)-)?(?P<categorie>[a-z_]+)$")


def _candidature(request: HttpRequest, pk: int) -> Candidature:
    return obtenir_ou_404(selectors.candidatures_pour(request.user), pk=pk)


def _vers_detail(c: Candidature, ancre: str = "") -> HttpResponse:
    return redirect(reverse("candidatures:detail", args=[c.pk]) + (f"#{ancre}" if ancre else ""))


# --- ES: my structures ----------------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(*ROLES_ES)
def mes_candidatures(request: HttpRequest) -> HttpResponse:
    return render(request, "candidatures/mes_candidatures.html", {
        "title": "Mes candidatures",
        "structures": queries.structures_es(request.user),
        "appels_ouverts": queries.appels_ouverts(),
        "appel": appel_courant(),
    })


@roles_requis(Role.REFERENT_ES)
@require_POST
def creer(request: HttpRequest) -> HttpResponse:
    structure = queries.structure_es_ou_none(request.user, request.POST.get("structure", ""))
    appel = AppelAFinancement.objects.filter(pk=request.POST.get("appel") or 0).first() \
        if (request.POST.get("appel") or "").isdigit() else None
    if structure is None or appel is None:
        messages.error(request, "Choisissez une de vos structures et un appel à financement ouvert.")
        return redirect("candidatures:mes_candidatures")
    try:
        c = services.candidature_creer(structure=structure, appel=appel, acteur=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("candidatures:mes_candidatures")
    messages.success(request, "Votre candidature est ouverte : complétez chaque section puis déposez-la. "
                              "Vous pouvez enregistrer le brouillon à tout moment.")
    return _vers_detail(c)


# --- ARS / ANS: the queue --------------------------------------------------------------------------------

@never_cache
@require_GET
@roles_requis(*ROLES_FILE)
def file_instruction(request: HttpRequest) -> HttpResponse:
    h = habilitations(request.user)
    regions = list(queries.regions_de_la_file(request.user))
    filtre = FiltreFileForm(request.GET or None, regions=regions)
    filtres = filtre.filtres()
    page = Paginator(queries.file_instruction(request.user, filtres), queries.TAILLE_PAGE).get_page(
        request.GET.get("page"))
    page.object_list = queries.avec_nb_lignes(page.object_list)  # aggregated on the page's rows only
    affectes = bureau_selectors.affectes([c.pk for c in page.object_list], agence=bureau_selectors.ARS)
    for c in page.object_list:
        c.affecte = affectes.get(c.pk)  # the ARS agent on it (care_portal.bureau), one query for the page
    sans_etat = request.GET.copy()
    sans_etat.pop("page", None)
    sans_etat.pop("etat", None)
    comptes = queries.compter_par_etat(request.user, filtres)
    for compte in comptes:
        lien = sans_etat.copy()
        lien["etat"] = compte["etat"]
        compte["lien"] = lien.urlencode()
    return render(request, "candidatures/file.html", {
        "title": "Candidatures à instruire" if not h.est_ans else "Candidatures — vue nationale",
        "filtre": filtre,
        **pagination.contexte(request, page),
        "comptes": comptes,
        "lien_deposes": sans_etat.urlencode(),
        "etat_choisi": filtres.get("etat") or "",
        "regions": regions,
        "lecture_seule": not h.est_ars,
        "plusieurs_regions": len(regions) > 1,
    })


# --- the dossier ----------------------------------------------------------------------------------------

def _contexte(request: HttpRequest, c: Candidature, **surcharges) -> dict:
    user = request.user
    h = habilitations(user)
    actions = queries.actions_possibles(user, c)
    sections = {s.code: s for s in selectors.completude(c)}
    resultat = selectors.prerequis(c)
    lignes = list(c.perimetre.all())
    documents = queries.documents_du_dossier(c)
    editable = "enregistrer" in actions
    form = surcharges.pop("form", None)
    if editable:
        form = form or CandidatureForm(candidature=c)
        form.ajouter_erreurs_bancaires(verifier_coordonnees(c.iban, c.bic))
    forms_perimetre = {}
    if "perimetre" in actions:
        lies = surcharges.pop("forms_perimetre", {})
        forms_perimetre = {ligne.pk: lies.get(ligne.pk) or PerimetreForm(ligne=ligne) for ligne in lignes}
    fils = queries.fil_de_discussion(c)
    erreurs_pieces = surcharges.pop("erreurs_pieces", {})
    pieces = queries.pieces_candidature(c, documents)
    lignes_prerequis = queries.prerequis_par_ligne(lignes, resultat, documents)
    for piece in [*pieces, *(p for lp in lignes_prerequis for p in lp.pieces)]:
        piece.erreur = erreurs_pieces.get(piece.champ, "")
    for lp in lignes_prerequis:
        lp.erreur_date = erreurs_pieces.get(lp.champ_date, "")
        lp.date_saisie = request.POST.get(lp.champ_date, None) if request.method == "POST" else None
    contexte = {
        "title": f"Candidature — {c.structure_libelle}",
        "c": c,
        "actions": actions,
        "editable": editable,
        "membre_es": queries.est_membre_es(user, c),
        "instructeur": bool(actions & {"demander_complement", "declarer_complete", "rejeter"}),
        "recepisses": [d for d in documents if d.categorie == "recepisse"],
        "lecture_seule_ans": h.est_ans and not (actions - {"message"}),
        "form": form,
        "formulaire_brouillon": FORMULAIRE_BROUILLON,
        "sections": sections,
        "sections_liste": list(sections.values()),
        "nb_sections_completes": sum(1 for s in sections.values() if s.complete),
        "sections_a_completer": [s for s in sections.values() if not s.complete],
        "situation": etapes.situer(c),
        "prerequis": resultat,
        "lignes": lignes,
        "lignes_prerequis": lignes_prerequis,
        "forms_perimetre": forms_perimetre,
        "lignes_formulaires": [(ligne, forms_perimetre.get(ligne.pk)) for ligne in lignes],
        "pieces": pieces,
        "documents": queries.decrire_documents(c, documents, lignes),
        "erreurs_pieces": erreurs_pieces,
        "chronologie": queries.chronologie(c, fils, lignes),
        "fil": fils,
        "form_message": surcharges.pop("form_message", None) or MessageForm(),
        "form_complement": surcharges.pop("form_complement", None) or formulaire_complement(),
        "form_rejet": surcharges.pop("form_rejet", None) or formulaire_rejet(),
        "fenetre_ouverte": c.appel.candidature_debut <= timezone.localdate() <= c.appel.candidature_fin,
        "alerte": surcharges.pop("alerte", None),
    }
    contexte.update(surcharges)
    return contexte


def _rendre(request: HttpRequest, c: Candidature, *, status: int = 200, **surcharges) -> HttpResponse:
    c = _candidature(request, c.pk)  # fresh: a refused service changed nothing, a draft save did
    return render(request, "candidatures/detail.html", _contexte(request, c, **surcharges), status=status)



@never_cache
@require_GET
@roles_requis(*ROLES_DOSSIER)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    return render(request, "candidatures/detail.html", _contexte(request, c))


def _deposer_pieces(request: HttpRequest, c: Candidature) -> tuple[dict[str, str], list[str]]:
    """Store each chosen file of the draft form through the documents service: a new document, the
    file of a draft's document replaced, or a new version of a locked one. Returns the refusals by
    input name (French) and the names of the stored files."""
    erreurs = dict(refus_upload(request))  # files cut by the size limit never reach request.FILES
    deposes: list[str] = []
    index = queries._par_proprietaire(queries.documents_du_dossier(c))
    lignes = {ligne.pk: ligne for ligne in c.perimetre.all()}
    for nom in request.FILES:
        m = PIECE.match(nom)
        if m is None:
            continue
        categorie = m["categorie"]
        if m["ligne"]:
            ligne = lignes.get(int(m["ligne"]))
            if ligne is None or categorie not in PREUVES_PREREQUIS:
                erreurs[nom] = "Cette pièce n'est pas attendue pour ce dossier."
                continue
            proprietaire, cle = ligne, ("perimetreligne", str(ligne.pk), categorie)
        else:
            if categorie not in selectors.DOCUMENTS_CANDIDATURE:
                erreurs[nom] = "Cette pièce n'est pas attendue pour ce dossier."
                continue
            proprietaire, cle = c, ("candidature", str(c.pk), categorie)
        fichier, actuel = request.FILES[nom], index.get(cle)
        try:
            if actuel is not None and not actuel.verrouille:
                document = documents_services.document_remplacer(document=actuel, fichier=fichier,
                                                                 acteur=request.user)
            else:
                document = documents_services.document_deposer(
                    fichier=fichier, acteur=request.user, proprietaire=proprietaire, categorie=categorie,
                    remplace=actuel,
                )
        except WorkflowError as exc:
            erreurs[nom] = exc.message
        else:
            deposes.append(document.nom_original)
    return erreurs, deposes


def _enregistrer_brouillon(request: HttpRequest, c: Candidature):
    """Save what the draft form carries: the valid fields (a bad IBAN is kept, flagged on the page)
    and the chosen files. Raises WorkflowError when the user may not edit the candidature now."""
    form = CandidatureForm(request.POST, candidature=c)
    services.candidature_enregistrer(candidature=c, acteur=request.user, donnees=form.donnees_valides())
    erreurs, deposes = _deposer_pieces(request, c)
    erreurs.update(_dater_audits(request, c))
    return form, erreurs, deposes


DATE_AUDIT = re.compile(r"^date-audit-(?P<ligne>\d+)$")


def _dater_audits(request: HttpRequest, c: Candidature) -> dict[str, str]:
    """The dates of the cyber-surveillance audits typed beside each line's attestation (``date-audit-<pk>``,
    an HTML date input: AAAA-MM-JJ; JJ/MM/AAAA accepted). Returns the refusals by input name (French)."""
    import datetime

    erreurs: dict[str, str] = {}
    lignes = {ligne.pk: ligne for ligne in c.perimetre.all()}
    for nom, valeur in request.POST.items():
        m = DATE_AUDIT.match(nom)
        if m is None or int(m["ligne"]) not in lignes:
            continue
        valeur = valeur.strip()
        try:
            if not valeur:
                date_audit = None
            elif re.fullmatch(r"\d{2}/\d{2}/\d{4}", valeur):
                date_audit = datetime.datetime.strptime(valeur, "%d/%m/%Y").date()
            else:
                date_audit = datetime.date.fromisoformat(valeur)
        except ValueError:
            erreurs[nom] = "Date invalide : indiquez la date de l'audit au format JJ/MM/AAAA."
            continue
        try:
            services.perimetre_dater_audit(ligne=lignes[int(m["ligne"])], acteur=request.user, date_audit=date_audit)
        except WorkflowError as exc:
            erreurs[nom] = exc.message
    return erreurs


def _texte_deposes(deposes: list[str]) -> str:
    if not deposes:
        return ""
    noms = ", ".join(f"« {n} »" for n in deposes)
    return f" Fichier{'s' if len(deposes) > 1 else ''} déposé{'s' if len(deposes) > 1 else ''} : {noms}."


@roles_requis(*ROLES_EDITION)
@require_POST
def enregistrer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    try:
        form, erreurs, deposes = _enregistrer_brouillon(request, c)
    except WorkflowError as exc:
        return _rendre(request, c, status=400, alerte=alerte("Le brouillon n'a pas été enregistré", exc.message))
    if form.errors or erreurs:
        return _rendre(request, c, form=form, erreurs_pieces=erreurs, alerte=alerte(
            "Brouillon enregistré, sauf les champs en erreur",
            "Les autres informations sont enregistrées. Corrigez les champs signalés puis enregistrez de nouveau."
            + _texte_deposes(deposes),
            liste=erreurs_du_formulaire(form, erreurs.values()), niveau="warning",
        ))
    c.refresh_from_db()
    v = verifier_coordonnees(c.iban, c.bic)
    if v.erreur_iban or v.erreur_bic:
        messages.warning(request, "Brouillon enregistré. Les coordonnées bancaires sont à corriger : "
                         + " ".join(e for e in (v.erreur_iban, v.erreur_bic) if e) + _texte_deposes(deposes))
    else:
        messages.success(request, "Brouillon enregistré." + _texte_deposes(deposes))
    return _vers_detail(c)


CHAMPS_ERREUR_PERIMETRE = {"motif": "motif", "valeur": "activite"}


@roles_requis(Role.REFERENT_ES)
@require_POST
def perimetre_ajuster(request: HttpRequest, pk: int, ligne_pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    ligne = obtenir_ou_404(c.perimetre.all(), pk=ligne_pk)
    form = PerimetreForm(request.POST, ligne=ligne)
    titre = f"Le périmètre n'a pas été ajusté pour {ligne.libelle}"
    if not form.is_valid():
        return _rendre(request, c, status=400, forms_perimetre={ligne.pk: form}, ouvrir_ligne=ligne.pk,
                       alerte=alerte(titre, liste=erreurs_du_formulaire(form)))
    try:
        services.perimetre_ajuster(ligne=ligne, acteur=request.user, activite=form.cleaned_data["activite"],
                                   inclus=form.cleaned_data["inclus"], motif=form.cleaned_data["motif"])
    except WorkflowError as exc:
        champ = CHAMPS_ERREUR_PERIMETRE.get(exc.code)
        if champ:
            form.add_error(champ, exc.message)
        return _rendre(request, c, status=400, forms_perimetre={ligne.pk: form}, ouvrir_ligne=ligne.pk,
                       alerte=alerte(titre, exc.message))
    messages.success(request, f"Périmètre ajusté pour {ligne.libelle} ({ligne.finess}).")
    return _vers_detail(c, "perimetre")


@roles_requis(Role.REFERENT_ES)
@require_POST
def deposer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    deposes: list[str] = []
    if request.POST.get("brouillon"):  # "Déposer" submits the draft form: save what was typed first
        try:
            form, erreurs, deposes = _enregistrer_brouillon(request, c)
        except WorkflowError as exc:
            return _rendre(request, c, status=400, alerte=alerte("La candidature n'a pas été déposée", exc.message))
        if form.errors or erreurs:
            return _rendre(request, c, status=400, form=form, erreurs_pieces=erreurs, alerte=alerte(
                "La candidature n'a pas été déposée",
                "Le brouillon est enregistré, mais des champs sont en erreur : corrigez-les puis déposez de nouveau.",
                liste=erreurs_du_formulaire(form, erreurs.values()),
            ))
        c = _candidature(request, pk)
    etait_en_complement = c.etat == Candidature.Etat.COMPLEMENT_DEMANDE
    try:
        services.candidature_deposer(candidature=c, acteur=request.user)
    except WorkflowError as exc:
        liste = []
        if exc.code == "incomplet":
            liste = [m for s in selectors.completude(_candidature(request, pk)) for m in s.manquants]
            message = "Il manque encore les éléments suivants ; le brouillon est conservé."
        else:
            message = exc.message
        return _rendre(request, c, status=400, alerte=alerte("La candidature n'a pas été déposée", message, liste))
    if etait_en_complement:
        messages.success(request, "Votre complément est déposé : l'ARS reprend l'instruction de la candidature."
                         + _texte_deposes(deposes))
    else:
        messages.success(request, "Votre candidature est déposée. L'ARS va l'instruire ; un récépissé de dépôt "
                                  "est joint au dossier." + _texte_deposes(deposes))
    return _vers_detail(c)


@never_cache
@roles_requis(Role.REFERENT_ES)
@require_http_methods(["GET", "POST"])
def retirer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    form = formulaire_retrait(request.POST or None)
    refus = None
    if request.method == "POST" and form.is_valid():
        try:
            services.candidature_retirer(candidature=c, acteur=request.user, motif=form.cleaned_data["motif"])
        except WorkflowError as exc:
            refus = alerte("La candidature n'a pas été retirée", exc.message)
        else:
            messages.success(request, "Votre candidature est retirée.")
            return _vers_detail(c)
    elif "retirer" not in queries.actions_possibles(request.user, c):
        refus = alerte("Retrait impossible", "Une candidature complète, rejetée ou déjà retirée ne peut plus "
                                               "être retirée.")
    return render(request, "candidatures/retirer.html", {
        "title": "Retirer la candidature", "c": c, "form": form, "alerte": refus,
        "possible": "retirer" in queries.actions_possibles(request.user, c),
    }, status=400 if refus and request.method == "POST" else 200)


# --- ARS actions ---------------------------------------------------------------------------------------

def _action_avec_motif(request: HttpRequest, pk: int, **action) -> HttpResponse:
    """An ARS action that needs a motive, on this candidature (care_portal.core.alertes)."""
    return action_avec_motif(request, _candidature(request, pk), rendre=_rendre, vers_detail=_vers_detail, **action)


@roles_requis(Role.REFERENT_ARS)
@require_POST
def demander_complement(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_avec_motif(
        request, pk, formulaire=formulaire_complement, nom_form="form_complement",
        titre="Le complément n'a pas été demandé",
        service=lambda c, motif: services.candidature_demander_complement(
            candidature=c, acteur=request.user, message=motif),
        succes="Complément demandé : l'établissement est prévenu par e-mail.",
    )


@roles_requis(Role.REFERENT_ARS)
@require_POST
def declarer_complete(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    try:
        services.candidature_declarer_complete(candidature=c, acteur=request.user)
    except WorkflowError as exc:
        return _rendre(request, c, status=400, alerte=alerte("La candidature n'a pas été déclarée complète",
                                                              exc.message))
    messages.success(request, "Candidature déclarée complète : l'établissement et l'ANS sont prévenus.")
    return _vers_detail(c)


@roles_requis(Role.REFERENT_ARS)
@require_POST
def rejeter(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_avec_motif(
        request, pk, formulaire=formulaire_rejet, nom_form="form_rejet",
        titre="La candidature n'a pas été rejetée",
        service=lambda c, motif: services.candidature_rejeter(candidature=c, acteur=request.user, motif=motif),
        succes="Candidature rejetée : l'établissement est prévenu par e-mail, avec le motif.",
    )


# --- messages -----------------------------------------------------------------------------------------

@roles_requis(*ROLES_DOSSIER)
@require_POST
def message_envoyer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidature(request, pk)
    form = MessageForm(request.POST, request.FILES)
    titre = "Le message n'a pas été envoyé"
    refus = refus_upload(request)
    if refus or not form.is_valid():
        return _rendre(request, c, status=400, form_message=form, alerte=alerte(
            titre, liste=erreurs_du_formulaire(form, refus.values())))
    try:
        services.message_envoyer(candidature=c, acteur=request.user, corps=form.cleaned_data["corps"],
                                 fichiers=form.cleaned_data["pieces_jointes"])
    except WorkflowError as exc:
        return _rendre(request, c, status=400, form_message=form, alerte=alerte(titre, exc.message))
    messages.success(request, "Message envoyé.")
    return _vers_detail(c, "messages")
