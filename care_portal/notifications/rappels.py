"""Deadline reminders and the daily digest (issue 10), run by beat jobs (tasks.py).

Each reminder is due over a window, not on one day, so that a missed run (worker down for a day)
catches up on the next one; and each is sent once per (dossier, kind, target, due date): a ``Rappel``
row is inserted first, in the transaction that records the e-mail, and its unique constraint refuses a
second one (a re-run, a catch-up, two workers at once). The dossier is locked and its state read again
before sending: a dossier that moved on meanwhile is not reminded. The delays are settings
(``CARE_RAPPEL_*``).

- ``brouillon``: a draft of a call whose candidature window closes within
  ``CARE_RAPPEL_BROUILLON_JOURS_AVANT`` days (due date: the closing day) → the ES.
- ``convention``: a convention sent and not signed, on days ``CARE_RAPPEL_CONVENTION_JOURS`` (2 and 4) of
  its signing delay, Paris wall clock; after a missed run only the latest milestone reached is sent
  (due date: the signing deadline; target: the sending and the milestone) → the signatory, copies to
  the référent, RSSI and DSI. Expiry itself is ``candidatures.expirer_conventions``.
- ``audit_ads`` / ``audit_exposition``: the next audit of an AD (D1.O1.A) or of a perimeter structure
  (D1.O2.A) due within ``CARE_RAPPEL_AUDIT_JOURS_AVANT`` days, before the cadence breaks (due date: the
  rules engine's ``Echeance``; an audit added meanwhile moves it, so the old one is never sent) → the ES.
- ``ars_attente``: a submitted candidature waiting for the ARS's decision for more than
  ``CARE_RAPPEL_ARS_ATTENTE_JOURS`` days (due date: submission + delay) → the ARS, one e-mail per region.

- ``declaration``: a dossier whose convention is signed and whose declaration is not submitted (none
  opened, a draft, or a complement asked and not answered) when the call's declaration window closes
  within ``CARE_RAPPEL_DECLARATION_JOURS_AVANT`` days (due date: the closing day) → the ES.
- ``ars_declaration``: a submitted declaration waiting for the ARS's completeness check for more than
  ``CARE_RAPPEL_ARS_ATTENTE_JOURS`` days (due date: submission + delay) → the ARS, one e-mail per region.

- ``controle_retard``: a control not decided (neither « objectifs atteints » nor « non atteints ») once
  the call's control window has closed (due date: ``controle_fin``; sent from the next day on, so a
  missed run catches up) → the ANS (administrators and controllers), one e-mail listing them all.
- ``paiement``: a payment not yet paid (à valider, validé, ordonnancé) when the call's payment window
  closes within ``CARE_RAPPEL_PAIEMENT_JOURS_AVANT`` days (due date: ``paiement_fin``) → the ANS
  secretariat and administrators, one e-mail listing them all.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from .models import Envoi, Notification, PreferenceNotification, Rappel, Resume
from .services import envoyer_email

PARIS = ZoneInfo("Europe/Paris")
Genre = Rappel.Genre


def envoyer_rappels(*, maintenant: datetime.datetime | None = None) -> dict[str, int]:
    """The hourly reminders (audits run on their own, less often: they read every dossier's evidence)."""
    maintenant = maintenant or timezone.now()
    return {
        Genre.BROUILLON: rappels_brouillons(maintenant=maintenant),
        Genre.CONVENTION: rappels_conventions(maintenant=maintenant),
        Genre.ARS_ATTENTE: rappels_ars_attente(maintenant=maintenant),
        Genre.DECLARATION: rappels_declarations(maintenant=maintenant),
        Genre.ARS_DECLARATION: rappels_ars_declarations(maintenant=maintenant),
        Genre.CONTROLE_RETARD: rappels_controles_en_retard(maintenant=maintenant),
        Genre.PAIEMENT: rappels_paiements(maintenant=maintenant),
    }


def _cle(candidature_id: int, genre: str, echeance: datetime.date, cible: str = "") -> Rappel | None:
    """Insert the reminder's key; None when it was already sent (the unique constraint refuses it)."""
    try:
        with transaction.atomic():
            return Rappel.objects.create(candidature_id=candidature_id, genre=genre, cible=cible, echeance=echeance)
    except IntegrityError:
        return None


def _deja(genre: str, echeance=None, cible=None):
    q = Rappel.objects.filter(candidature=OuterRef("pk"), genre=genre)
    if echeance is not None:
        q = q.filter(echeance=echeance)
    if cible is not None:
        q = q.filter(cible=cible)
    return Exists(q)


def _lier(rappels: list[Rappel], envoi: Envoi | None) -> None:
    if envoi is not None:
        Rappel.objects.filter(pk__in=[r.pk for r in rappels]).update(envoi=envoi)


def _lien_dossier(c) -> str:
    return settings.SITE_URL + reverse("candidatures:detail", args=[c.pk])


# --- drafts not submitted -------------------------------------------------------------------------

def rappels_brouillons(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from candidatures.models import Candidature
    from care_portal.referentiel.models import AppelAFinancement

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = settings.CARE_RAPPEL_BROUILLON_JOURS_AVANT
    envoyes = 0
    appels = AppelAFinancement.objects.filter(candidature_fin__gte=aujourd_hui,
                                              candidature_fin__lte=aujourd_hui + datetime.timedelta(days=delai))
    for appel in appels:
        ids = list(Candidature.objects.filter(appel=appel, etat=Candidature.Etat.BROUILLON)
                   .exclude(_deja(Genre.BROUILLON, appel.candidature_fin)).values_list("pk", flat=True))
        for pk in ids:
            with transaction.atomic():
                c = (Candidature.objects.select_for_update(of=("self",))
                     .select_related("appel", "ght", "entite_juridique").filter(pk=pk).first())
                if c is None or c.etat != Candidature.Etat.BROUILLON:
                    continue  # submitted or withdrawn meanwhile
                rappel = _cle(c.pk, Genre.BROUILLON, appel.candidature_fin)
                if rappel is None:
                    continue
                envoi = envoyer_email(
                    selectors.emails_es(c),
                    f"Candidature à déposer avant le {appel.candidature_fin:%d/%m/%Y}", "rappel_brouillon",
                    {"candidature": c, "fin": appel.candidature_fin,
                     "jours_restants": (appel.candidature_fin - aujourd_hui).days, "lien": _lien_dossier(c)},
                )
                _lier([rappel], envoi)
                envoyes += 1
    return envoyes


# --- conventions not signed -----------------------------------------------------------------------

def _jalon_atteint(cv, maintenant: datetime.datetime) -> int | None:
    """The latest reminder day (of CARE_RAPPEL_CONVENTION_JOURS) reached by ``maintenant``, Paris wall clock."""
    from candidatures.services_convention import echeance_de

    atteints = [j for j in sorted(settings.CARE_RAPPEL_CONVENTION_JOURS) if echeance_de(cv.envoyee_le, j) <= maintenant]
    return atteints[-1] if atteints else None


def rappels_conventions(*, maintenant: datetime.datetime) -> int:
    from candidatures.models import Convention
    from candidatures.services_convention import lien_dossier, lien_signature

    premier = min(settings.CARE_RAPPEL_CONVENTION_JOURS, default=None)
    if premier is None:
        return 0
    envoyes = 0
    candidates = list(Convention.objects.filter(
        etat=Convention.Etat.ENVOYEE, signature_bloquee_le__isnull=True, echeance__gt=maintenant,
        envoyee_le__lte=maintenant - datetime.timedelta(days=premier) + datetime.timedelta(hours=2),
    ).values_list("pk", flat=True))
    for pk in candidates:
        with transaction.atomic():
            cv = (Convention.objects.select_for_update(of=("self",))
                  .select_related("candidature__ght", "candidature__entite_juridique").filter(pk=pk).first())
            if (cv is None or cv.etat != Convention.Etat.ENVOYEE or cv.signature_bloquee_le is not None
                    or cv.echeance is None or cv.echeance <= maintenant):
                continue  # signed, expired or blocked meanwhile
            jour = _jalon_atteint(cv, maintenant)
            if jour is None:
                continue
            echeance = timezone.localtime(cv.echeance, PARIS)
            rappel = _cle(cv.candidature_id, Genre.CONVENTION, echeance.date(), cible=f"envoi-{cv.envoi}-j{jour}")
            if rappel is None:
                continue
            c = cv.candidature
            envoi = envoyer_email(
                [c.signataire_email], f"Rappel : convention CaRE {cv.numero} à signer avant le {echeance:%d/%m/%Y à %H:%M}",
                "rappel_convention",
                {"convention": cv, "candidature": c, "echeance": echeance, "jour": jour,
                 "delai": c.appel.delai_signature_jours if c.appel_id else None,
                 "lien": lien_signature(cv) if cv.fournisseur == "native" else "", "lien_dossier": lien_dossier(cv)},
                copies=[c.referent_email, c.rssi_email, c.dsi_email],
            )
            _lier([rappel], envoi)
            envoyes += 1
    return envoyes


# --- ARS: candidatures waiting --------------------------------------------------------------------

def rappels_ars_attente(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from candidatures.models import Candidature

    delai = datetime.timedelta(days=settings.CARE_RAPPEL_ARS_ATTENTE_JOURS)
    par_region: dict[int, list[int]] = defaultdict(list)
    for pk, region in (Candidature.objects.filter(etat=Candidature.Etat.DEPOSEE, deposee_le__lte=maintenant - delai)
                       .exclude(Exists(Rappel.objects.filter(candidature=OuterRef("pk"), genre=Genre.ARS_ATTENTE,
                                                             cree_le__gte=OuterRef("deposee_le"))))
                       .order_by("deposee_le", "pk").values_list("pk", "region_instructrice")):
        par_region[region].append(pk)
    envoyes = 0
    for ids in par_region.values():
        with transaction.atomic():
            retenues, rappels = [], []
            for c in (Candidature.objects.select_for_update(of=("self",))
                      .select_related("ght", "entite_juridique", "region_instructrice").filter(pk__in=ids)
                      .order_by("deposee_le", "pk")):
                if c.etat != Candidature.Etat.DEPOSEE or c.deposee_le > maintenant - delai:
                    continue  # decided, or sent back for a complement, meanwhile
                rappel = _cle(c.pk, Genre.ARS_ATTENTE, timezone.localdate(c.deposee_le + delai, PARIS))
                if rappel is not None:
                    retenues.append(c)
                    rappels.append(rappel)
            if not retenues:
                continue
            for c in retenues:
                c.attente_jours = (maintenant - c.deposee_le).days
            n = len(retenues)
            envoi = envoyer_email(
                selectors.emails_ars(retenues[0]),
                f"{n} candidature{'s' if n > 1 else ''} en attente d'instruction depuis plus de "
                f"{settings.CARE_RAPPEL_ARS_ATTENTE_JOURS} jours", "rappel_ars_attente",
                {"candidatures": retenues, "delai": settings.CARE_RAPPEL_ARS_ATTENTE_JOURS,
                 "region": retenues[0].region_instructrice,
                 "lien": settings.SITE_URL + reverse("candidatures:file") + "?etat=deposee"},
                candidature=retenues[0] if n == 1 else None,
            )
            _lier(rappels, envoi)
            envoyes += n
    return envoyes


# --- declarations not submitted -------------------------------------------------------------------

def rappels_declarations(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from candidatures.models import Candidature, Convention
    from care_portal.referentiel.models import AppelAFinancement
    from declarations.models import Declaration

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = settings.CARE_RAPPEL_DECLARATION_JOURS_AVANT
    a_deposer = (Declaration.Etat.BROUILLON, Declaration.Etat.COMPLEMENT_DEMANDE)
    envoyes = 0
    appels = AppelAFinancement.objects.filter(declaration_fin__gte=aujourd_hui,
                                              declaration_fin__lte=aujourd_hui + datetime.timedelta(days=delai))
    for appel in appels:
        deposees = Declaration.objects.filter(candidature=OuterRef("pk")).exclude(etat__in=a_deposer)
        ids = list(Candidature.objects.filter(appel=appel, convention__etat=Convention.Etat.SIGNEE)
                   .exclude(Exists(deposees))
                   .exclude(_deja(Genre.DECLARATION, appel.declaration_fin)).values_list("pk", flat=True))
        for pk in ids:
            with transaction.atomic():
                c = (Candidature.objects.select_for_update(of=("self",))
                     .select_related("appel", "ght", "entite_juridique").filter(pk=pk).first())
                if c is None:
                    continue
                d = Declaration.objects.select_for_update().filter(candidature=c).first()
                if d is not None and d.etat not in a_deposer:
                    continue  # submitted meanwhile
                rappel = _cle(c.pk, Genre.DECLARATION, appel.declaration_fin)
                if rappel is None:
                    continue
                lien = settings.SITE_URL + (reverse("declarations:detail", args=[d.pk]) if d is not None
                                            else reverse("declarations:pour_candidature", args=[c.pk]))
                envoi = envoyer_email(
                    selectors.emails_es(c),
                    f"Déclaration d'atteinte des objectifs à déposer avant le {appel.declaration_fin:%d/%m/%Y}",
                    "rappel_declaration",
                    {"candidature": c, "declaration": d, "fin": appel.declaration_fin,
                     "jours_restants": (appel.declaration_fin - aujourd_hui).days, "lien": lien},
                    candidature=c,
                )
                _lier([rappel], envoi)
                envoyes += 1
    return envoyes


# --- ARS: declarations waiting --------------------------------------------------------------------

def rappels_ars_declarations(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from declarations.models import Declaration

    delai = datetime.timedelta(days=settings.CARE_RAPPEL_ARS_ATTENTE_JOURS)
    par_region: dict[int, list[int]] = defaultdict(list)
    for pk, region in (Declaration.objects.filter(etat=Declaration.Etat.DEPOSEE, deposee_le__lte=maintenant - delai)
                       .exclude(Exists(Rappel.objects.filter(candidature=OuterRef("candidature"),
                                                             genre=Genre.ARS_DECLARATION,
                                                             cree_le__gte=OuterRef("deposee_le"))))
                       .order_by("deposee_le", "pk").values_list("pk", "candidature__region_instructrice")):
        par_region[region].append(pk)
    envoyes = 0
    for ids in par_region.values():
        with transaction.atomic():
            retenues, rappels = [], []
            for d in (Declaration.objects.select_for_update(of=("self",))
                      .select_related("candidature__ght", "candidature__entite_juridique",
                                      "candidature__region_instructrice")
                      .filter(pk__in=ids).order_by("deposee_le", "pk")):
                if d.etat != Declaration.Etat.DEPOSEE or d.deposee_le > maintenant - delai:
                    continue  # decided, or sent back for a complement, meanwhile
                rappel = _cle(d.candidature_id, Genre.ARS_DECLARATION,
                              timezone.localdate(d.deposee_le + delai, PARIS), cible=f"declaration-{d.pk}")
                if rappel is not None:
                    d.attente_jours = (maintenant - d.deposee_le).days
                    retenues.append(d)
                    rappels.append(rappel)
            if not retenues:
                continue
            n = len(retenues)
            premiere = retenues[0].candidature
            envoi = envoyer_email(
                selectors.emails_ars(premiere),
                f"{n} déclaration{'s' if n > 1 else ''} en attente de vérification depuis plus de "
                f"{settings.CARE_RAPPEL_ARS_ATTENTE_JOURS} jours", "rappel_ars_declaration",
                {"declarations": retenues, "delai": settings.CARE_RAPPEL_ARS_ATTENTE_JOURS,
                 "region": premiere.region_instructrice,
                 "lien": settings.SITE_URL + reverse("declarations:file") + "?etat=deposee"},
                candidature=premiere if n == 1 else None,
            )
            _lier(rappels, envoi)
            envoyes += n
    return envoyes


# --- ANS: controls past due -------------------------------------------------------------------------

def rappels_controles_en_retard(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from controle.models import Controle

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    ids = list(Controle.objects.filter(declaration__candidature__appel__controle_fin__lt=aujourd_hui)
               .exclude(etat__in=Controle.ETATS_CLOS)
               .exclude(Exists(Rappel.objects.filter(
                   candidature=OuterRef("declaration__candidature"), genre=Genre.CONTROLE_RETARD,
                   cible=Concat(Value("controle-"), Cast(OuterRef("pk"), CharField())),
                   echeance=OuterRef("declaration__candidature__appel__controle_fin"))))
               .order_by("declaration__candidature__appel__controle_fin", "pk").values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        retenus, rappels = [], []
        for c in (Controle.objects.select_for_update(of=("self",))
                  .select_related("declaration__candidature__appel", "declaration__candidature__ght",
                                  "declaration__candidature__entite_juridique")
                  .prefetch_related("controleurs").filter(pk__in=ids).order_by("date_prevue", "pk")):
            if c.clos:
                continue  # decided meanwhile
            cand = c.declaration.candidature
            rappel = _cle(cand.pk, Genre.CONTROLE_RETARD, cand.appel.controle_fin, cible=f"controle-{c.pk}")
            if rappel is not None:
                c.retard_jours = (aujourd_hui - cand.appel.controle_fin).days
                retenus.append(c)
                rappels.append(rappel)
        if not retenus:
            return 0
        n = len(retenus)
        assignes = {u.email for c in retenus for u in c.controleurs.all() if u.email and u.is_active}
        envoi = envoyer_email(
            sorted(set(selectors.emails_ans()) | assignes),
            f"{n} contrôle{'s' if n > 1 else ''} non décidé{'s' if n > 1 else ''} après la fin de la fenêtre "
            "de contrôle", "rappel_controle_retard",
            {"controles": retenus, "lien": settings.SITE_URL + reverse("controle:planning")},
            candidature=retenus[0].declaration.candidature if n == 1 else None,
        )
        _lier(rappels, envoi)
    return n


# --- ANS: payments before the window closes --------------------------------------------------------

def rappels_paiements(*, maintenant: datetime.datetime) -> int:
    from candidatures import selectors
    from paiement.models import Paiement

    aujourd_hui = timezone.localdate(maintenant, PARIS)
    limite = aujourd_hui + datetime.timedelta(days=settings.CARE_RAPPEL_PAIEMENT_JOURS_AVANT)
    a_verser = (Paiement.Etat.A_VALIDER, Paiement.Etat.VALIDE, Paiement.Etat.ORDONNANCE)
    ids = list(Paiement.objects.filter(etat__in=a_verser, convention__candidature__appel__paiement_fin__gte=aujourd_hui,
                                       convention__candidature__appel__paiement_fin__lte=limite)
               .exclude(Exists(Rappel.objects.filter(
                   candidature=OuterRef("convention__candidature"), genre=Genre.PAIEMENT,
                   cible=Concat(Value("paiement-"), Cast(OuterRef("pk"), CharField())),
                   echeance=OuterRef("convention__candidature__appel__paiement_fin"))))
               .values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        retenus, rappels = [], []
        for p in (Paiement.objects.select_for_update(of=("self",))
                  .select_related("convention__candidature__appel", "convention__candidature__ght",
                                  "convention__candidature__entite_juridique")
                  .filter(pk__in=ids).order_by("convention__candidature__appel__paiement_fin", "pk")):
            if p.etat not in a_verser:
                continue  # paid or rejected meanwhile
            cand = p.convention.candidature
            rappel = _cle(cand.pk, Genre.PAIEMENT, cand.appel.paiement_fin, cible=f"paiement-{p.pk}")
            if rappel is not None:
                p.jours_restants = (cand.appel.paiement_fin - aujourd_hui).days
                retenus.append(p)
                rappels.append(rappel)
        if not retenus:
            return 0
        n = len(retenus)
        envoi = envoyer_email(
            selectors.emails_secretariat_ans(),
            f"{n} paiement{'s' if n > 1 else ''} à verser avant la clôture des paiements", "rappel_paiement",
            {"paiements": retenus, "lien": settings.SITE_URL + reverse("paiement:liste")},
            candidature=retenus[0].convention.candidature if n == 1 else None,
        )
        _lier(rappels, envoi)
    return n


# --- the next audits ------------------------------------------------------------------------------

OBJECTIFS_AUDIT = {"D1.O1.A": Genre.AUDIT_ADS, "D1.O2.A": Genre.AUDIT_EXPOSITION}


def rappels_audits(*, maintenant: datetime.datetime | None = None) -> int:
    """One e-mail per dossier listing its ADs and structures whose next audit falls due within the delay."""
    from candidatures import selectors
    from candidatures.models import Candidature
    from objectifs.selectors import candidatures_evaluables, evaluer_lots
    from objectifs.services import ETATS_PREUVES

    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant, PARIS)
    delai = datetime.timedelta(days=settings.CARE_RAPPEL_AUDIT_JOURS_AVANT)
    dus: dict[int, list[tuple[str, object]]] = {}
    for c, verdicts in evaluer_lots(candidatures_evaluables(), aujourd_hui):
        for v in verdicts:
            genre = OBJECTIFS_AUDIT.get(v.code)
            if genre is None:
                continue
            for e in v.prochaines_echeances:
                if not e.en_retard and e.date - delai <= aujourd_hui <= e.date:
                    dus.setdefault(c.pk, []).append((genre, e))
    if not dus:
        return 0
    existants = set(Rappel.objects.filter(candidature__in=list(dus), genre__in=list(OBJECTIFS_AUDIT.values()),
                                          echeance__gte=aujourd_hui)
                    .values_list("candidature_id", "genre", "cible", "echeance"))
    envoyes = 0
    for pk, echeances in dus.items():
        a_faire = [(g, e) for g, e in echeances if (pk, g, str(e.cible_id), e.date) not in existants]
        if not a_faire:
            continue
        with transaction.atomic():
            c = (Candidature.objects.select_for_update(of=("self",))
                 .select_related("ght", "entite_juridique").filter(pk=pk).first())
            if c is None or c.etat not in ETATS_PREUVES:
                continue  # rejected or withdrawn meanwhile
            rappels, lignes = [], []
            for genre, e in sorted(a_faire, key=lambda ge: (ge[1].date, ge[0], ge[1].cible)):
                rappel = _cle(c.pk, genre, e.date, cible=str(e.cible_id))
                if rappel is not None:
                    rappels.append(rappel)
                    lignes.append({"genre": Rappel.Genre(genre).label, "cible": e.cible, "date": e.date,
                                   "jours": (e.date - aujourd_hui).days})
            if not rappels:
                continue
            premiere = lignes[0]["date"]
            envoi = envoyer_email(
                selectors.emails_es(c), f"Prochain audit à réaliser avant le {premiere:%d/%m/%Y}", "rappel_audit",
                {"candidature": c, "lignes": lignes, "delai": settings.CARE_RAPPEL_AUDIT_JOURS_AVANT,
                 "lien": settings.SITE_URL + reverse("objectifs:tableau", args=[c.pk])},
            )
            _lier(rappels, envoi)
            envoyes += len(rappels)
    return envoyes


# --- the daily digest -----------------------------------------------------------------------------

def envoyer_resumes(*, maintenant: datetime.datetime | None = None) -> int:
    """The day's digest of unread notices, for the users who asked for it: once a day (``Resume`` is
    unique per user and day), by the first run after ``CARE_RESUME_HEURE``; nothing unread, no e-mail."""
    maintenant = maintenant or timezone.now()
    local = timezone.localtime(maintenant, PARIS)
    if local.hour < settings.CARE_RESUME_HEURE:
        return 0
    jour = local.date()
    utilisateurs = (PreferenceNotification.objects.filter(resume_quotidien=True, utilisateur__is_active=True)
                    .exclude(utilisateur__in=Resume.objects.filter(jour=jour).values("utilisateur"))
                    .select_related("utilisateur"))
    envoyes = 0
    for pref in utilisateurs:
        u = pref.utilisateur
        with transaction.atomic():
            try:
                with transaction.atomic():
                    resume = Resume.objects.create(utilisateur=u, jour=jour)
            except IntegrityError:
                continue
            non_lues = list(Notification.objects.filter(destinataire=u, lue_le__isnull=True,
                                                        cree_le__gte=maintenant - datetime.timedelta(days=1))
                            .order_by("-cree_le", "-pk")[:50])
            resume.nombre = len(non_lues)
            if non_lues and u.email:
                resume.envoi = envoyer_email(
                    [u.email], f"Résumé du {jour:%d/%m/%Y} : {len(non_lues)} notification"
                    f"{'s' if len(non_lues) > 1 else ''} non lue{'s' if len(non_lues) > 1 else ''}",
                    "resume_quotidien",
                    {"utilisateur": u, "notifications": non_lues, "jour": jour,
                     "lien": settings.SITE_URL + reverse("notifications:centre")},
                )
                envoyes += 1
            resume.save(update_fields=["nombre", "envoi"])
    return envoyes
