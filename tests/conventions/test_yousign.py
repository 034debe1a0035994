"""The Yousign provider against the local fake Yousign server (real HTTP, no mocks)."""

# The fixtures are imported from faux_yousign.py; pytest injects them by argument name.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import email.utils
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import httpx
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from care_portal.signature.base import (
    ErreurFournisseur,
    RefusFournisseur,
    RetourInvalide,
    Signataire,
    Statut,
)
from care_portal.signature.yousign import (
    CHAMP_ANS_X,
    CHAMP_ANS_Y,
    CHAMP_ES_X,
    CHAMP_ES_Y,
    CHAMP_HAUTEUR,
    CHAMP_LARGEUR,
    FournisseurYousign,
)
from tests.conventions.faux_yousign import (  # noqa: F401 (fixtures used by name)
    ErreurSimulation,
    FauxYousign,
    faux_yousign,
    pdf_exemple,
    yousign_configure,
)

ES = Signataire(prenom="Alice", nom="Martin", email="alice.martin@chu-exemple.fr", fonction="Directrice", role="es")
ANS = Signataire(prenom="Bruno", nom="Durand", email="dg@esante.gouv.fr", fonction="Directeur général", role="ans")


def _expire_le() -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=5)


def _demander(fournisseur: FournisseurYousign, pdf: bytes | None = None, **options):
    parametres = {
        "nom": "Convention CaRE — CHU Exemple",
        "reference_interne": "convention-42",
        "pdf": pdf if pdf is not None else pdf_exemple(3),
        "nom_fichier": "convention-42.pdf",
        "signataires": [ES, ANS],
        "expire_le": _expire_le(),
    }
    parametres.update(options)
    return fournisseur.demander(**parametres)


class Attentes(list):
    """Records the provider's backoff waits instead of sleeping."""

    def __call__(self, secondes: float) -> None:
        self.append(secondes)


class Recepteur:
    """A webhook endpoint: keeps each raw body and its headers, answers 200."""

    def __init__(self) -> None:
        self.recus: list[tuple[bytes, dict[str, str]]] = []
        recepteur = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                corps = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recepteur.recus.append((corps, dict(self.headers.items())))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.serveur = ThreadingHTTPServer(("127.0.0.1", 0), Gestionnaire)
        threading.Thread(target=self.serveur.serve_forever, args=(0.05,), daemon=True).start()
        port = self.serveur.server_address[1]
        self.url = f"http://127.0.0.1:{port}/candidatures/signature/yousign/rappel/"

    def arreter(self) -> None:
        self.serveur.shutdown()
        self.serveur.server_close()


@pytest.fixture
def recepteur():
    recepteur = Recepteur()
    yield recepteur
    recepteur.arreter()


# --- demander ---------------------------------------------------------------------------------


def test_envoyer_cree_remplit_et_active_la_demande(faux_yousign):
    pdf = pdf_exemple(3)
    envoi = _demander(faux_yousign.fournisseur(), pdf=pdf)

    appels = [(r.methode, r.chemin) for r in faux_yousign.requetes]
    ref = envoi.reference
    assert appels == [
        ("POST", "/signature_requests"),
        ("POST", f"/signature_requests/{ref}/documents"),
        ("POST", f"/signature_requests/{ref}/signers"),
        ("POST", f"/signature_requests/{ref}/signers"),
        ("POST", f"/signature_requests/{ref}/activate"),
    ]
    assert all(r.entetes["Authorization"] == f"Bearer {faux_yousign.api_key}" for r in faux_yousign.requetes)

    creation = faux_yousign.requetes[0]
    assert creation.entetes["Content-Type"] == "application/json"
    assert creation.json == {
        "name": "Convention CaRE — CHU Exemple",
        "delivery_mode": "email",
        "timezone": "Europe/Paris",
        "ordered_signers": True,
        "expiration_date": _expire_le().isoformat(),
        "external_id": "convention-42",
    }

    depot = faux_yousign.requetes[1]
    assert depot.entetes["Content-Type"].startswith("multipart/form-data; boundary=")
    assert depot.formulaire == {"file": ("convention-42.pdf", "application/pdf", pdf), "nature": "signable_document"}

    document_id = faux_yousign.demandes[ref]["documents"][0]["id"]
    for requete, signataire, (x, y) in (
        (faux_yousign.requetes[2], ES, (CHAMP_ES_X, CHAMP_ES_Y)),
        (faux_yousign.requetes[3], ANS, (CHAMP_ANS_X, CHAMP_ANS_Y)),
    ):
        assert requete.json == {
            "info": {"first_name": signataire.prenom, "last_name": signataire.nom,
                     "email": signataire.email, "locale": "fr"},
            "signature_level": "electronic_signature",
            "signature_authentication_mode": "otp_email",
            "fields": [{"document_id": document_id, "type": "signature", "page": 3, "x": x, "y": y,
                        "width": CHAMP_LARGEUR, "height": CHAMP_HAUTEUR}],
        }
    assert (CHAMP_ES_X, CHAMP_ES_Y, CHAMP_ANS_X, CHAMP_ANS_Y) == (57, 460, 312, 460)
    assert (CHAMP_LARGEUR, CHAMP_HAUTEUR) == (226, 90)

    demande = faux_yousign.demandes[ref]
    assert demande["status"] == "ongoing"
    assert demande["external_id"] == "convention-42"
    # The signers in the given order: the establishment first, then the DG ANS.
    assert [s["id"] for s in demande["signers"]] == [envoi.signataires["es"], envoi.signataires["ans"]]
    assert [s["status"] for s in demande["signers"]] == ["notified", "initiated"]
    assert faux_yousign.pdf_depose(ref) == pdf


def test_le_champ_de_signature_est_sur_la_derniere_page(faux_yousign):
    envoi = _demander(faux_yousign.fournisseur(), pdf=pdf_exemple(7), signataires=[ES])
    champ = faux_yousign.signers[envoi.signataires["es"]]["fields"][0]
    assert champ["page"] == 7
    assert list(envoi.signataires) == ["es"]


@pytest.mark.parametrize("signataires", [[], [ES, ES], [Signataire("A", "B", "a@b.fr", role="autre")]])
def test_envoyer_refuse_des_signataires_incoherents_sans_appeler_yousign(faux_yousign, signataires):
    with pytest.raises(ValueError):
        _demander(faux_yousign.fournisseur(), signataires=signataires)
    assert faux_yousign.requetes == []


def test_une_date_d_expiration_passee_est_refusee_avec_le_detail_de_yousign(faux_yousign):
    hier = datetime.date.today() - datetime.timedelta(days=2)
    with pytest.raises(RefusFournisseur) as erreur:
        _demander(faux_yousign.fournisseur(), expire_le=hier)
    message = str(erreur.value)
    assert "HTTP 400" in message and "expiration_date" in message and "greater than today" in message
    assert len(faux_yousign.requetes) == 1  # a refusal is not retried


def test_un_fichier_qui_n_est_pas_un_pdf_est_refuse(faux_yousign):
    with pytest.raises(RefusFournisseur, match="file : The file is not a valid PDF"):
        _demander(faux_yousign.fournisseur(), pdf=b"%PDF-1.7 tronque")
    assert faux_yousign.requetes[-1].statut == 400


def test_une_mauvaise_cle_donne_un_refus_401(faux_yousign):
    with pytest.raises(RefusFournisseur, match="HTTP 401"):
        _demander(faux_yousign.fournisseur(api_key="pas-la-bonne-cle"))
    assert [r.statut for r in faux_yousign.requetes] == [401]
    assert faux_yousign.demandes == {}


def test_une_demande_inconnue_donne_un_refus_404(faux_yousign):
    with pytest.raises(RefusFournisseur, match="HTTP 404"):
        faux_yousign.fournisseur().statut("00000000-0000-4000-8000-000000000000")


# --- retries ---------------------------------------------------------------------------------


def test_deux_503_puis_succes(faux_yousign):
    attentes = Attentes()
    faux_yousign.pannes(2, statut=503)
    envoi = _demander(faux_yousign.fournisseur(backoff=0.25, dormir=attentes))

    creations = faux_yousign.requetes_vers("POST", r"^/signature_requests$")
    assert [r.statut for r in creations] == [503, 503, 201]
    assert list(faux_yousign.demandes) == [envoi.reference]  # one request created
    assert attentes == [0.25, 0.5]  # exponential backoff
    assert faux_yousign.demandes[envoi.reference]["status"] == "ongoing"


def test_reessais_epuises(faux_yousign):
    faux_yousign.pannes(10, statut=502)
    with pytest.raises(ErreurFournisseur, match=r"Yousign est indisponible \(HTTP 502\) après 3 tentative"):
        _demander(faux_yousign.fournisseur(max_tentatives=3))
    assert [r.statut for r in faux_yousign.requetes] == [502, 502, 502]


def test_une_panne_au_milieu_de_l_envoi_est_reessayee(faux_yousign):
    faux_yousign.pannes(1, statut=500, motif=r"/signers$")
    envoi = _demander(faux_yousign.fournisseur())
    assert [r.statut for r in faux_yousign.requetes_vers("POST", "/signers$")] == [500, 201, 201]
    assert len(faux_yousign.demandes[envoi.reference]["signers"]) == 2


def test_429_respecte_retry_after(faux_yousign):
    attentes = Attentes()
    envoi = _demander(faux_yousign.fournisseur())
    faux_yousign.pannes(1, statut=429, retry_after="7")
    assert faux_yousign.fournisseur(backoff=0.1, dormir=attentes).statut(envoi.reference) is Statut.EN_COURS
    assert attentes == [7.0]


def test_retry_after_en_date_http_et_plafonne(faux_yousign):
    envoi = _demander(faux_yousign.fournisseur())
    attentes = Attentes()
    dans_20_s = email.utils.formatdate(time.time() + 20, usegmt=True)
    faux_yousign.pannes(1, statut=503, retry_after=dans_20_s)
    faux_yousign.pannes(1, statut=503, retry_after="3600")
    fournisseur = faux_yousign.fournisseur(backoff=0.0, dormir=attentes, max_tentatives=3)
    assert fournisseur.statut(envoi.reference) is Statut.EN_COURS
    assert 17 <= attentes[0] <= 20
    assert attentes[1] == 30.0  # an hour is not waited for: the task will retry later


def test_delai_depasse_puis_succes(faux_yousign):
    envoi = _demander(faux_yousign.fournisseur())
    faux_yousign.suspendre(1, secondes=2)
    debut = time.monotonic()
    assert faux_yousign.fournisseur(timeout=0.3).statut(envoi.reference) is Statut.EN_COURS
    assert time.monotonic() - debut < 1.9  # the hung answer (2 s) was not waited for
    lectures = faux_yousign.requetes_vers("GET", rf"^/signature_requests/{envoi.reference}$")
    assert len(lectures) == 2 and lectures[1].statut == 200


def test_delai_depasse_a_chaque_tentative(faux_yousign):
    faux_yousign.suspendre(5, secondes=2)
    with pytest.raises(ErreurFournisseur, match="délai de réponse dépassé"):
        faux_yousign.fournisseur(timeout=0.2, max_tentatives=2).statut("peu-importe")
    assert len(faux_yousign.requetes) == 2


def test_connexion_impossible(faux_yousign):
    fournisseur = faux_yousign.fournisseur(max_tentatives=2)
    faux_yousign.arreter()
    with pytest.raises(ErreurFournisseur, match="connexion impossible"):
        fournisseur.statut("peu-importe")


def test_activation_dont_la_reponse_est_perdue(faux_yousign):
    # Yousign activates the request but the answer never arrives: the retry is refused
    # (already active), and the provider checks the actual status instead of failing.
    faux_yousign.suspendre(1, secondes=2, traiter=True, motif=r"/activate$")
    envoi = _demander(faux_yousign.fournisseur(timeout=0.3))
    activations = faux_yousign.requetes_vers("POST", "/activate$")
    assert len(activations) == 2 and activations[1].statut == 400
    assert faux_yousign.demandes[envoi.reference]["status"] == "ongoing"


# --- statut and document ---------------------------------------------------------------------


def test_statuts_au_fil_de_la_signature(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    assert fournisseur.statut(envoi.reference) is Statut.EN_COURS
    faux_yousign.signer(envoi.reference, envoi.signataires["es"])
    assert fournisseur.statut(envoi.reference) is Statut.EN_COURS
    faux_yousign.signer(envoi.reference, envoi.signataires["ans"])
    assert fournisseur.statut(envoi.reference) is Statut.TERMINE

    expiree = _demander(fournisseur)
    faux_yousign.expirer(expiree.reference)
    assert fournisseur.statut(expiree.reference) is Statut.EXPIRE

    refusee = _demander(fournisseur)
    faux_yousign.refuser(refusee.reference, refusee.signataires["es"])
    assert fournisseur.statut(refusee.reference) is Statut.REFUSE


def test_statut_brouillon(faux_yousign):
    reponse = httpx.post(f"{faux_yousign.url}/signature_requests", timeout=5,
                         headers={"Authorization": f"Bearer {faux_yousign.api_key}"},
                         json={"name": "Brouillon", "delivery_mode": "email"})
    assert reponse.status_code == 201
    assert faux_yousign.fournisseur().statut(reponse.json()["id"]) is Statut.BROUILLON


@pytest.mark.parametrize(("brut", "attendu"), [
    ("approval", Statut.EN_COURS), ("rejected", Statut.REFUSE),
    ("canceled", Statut.ANNULE), ("deleted", Statut.ANNULE),
])
def test_autres_statuts_yousign(faux_yousign, brut, attendu):
    envoi = _demander(faux_yousign.fournisseur())
    faux_yousign.demandes[envoi.reference]["status"] = brut
    assert faux_yousign.fournisseur().statut(envoi.reference) is attendu


def test_statut_inconnu(faux_yousign):
    envoi = _demander(faux_yousign.fournisseur())
    faux_yousign.demandes[envoi.reference]["status"] = "quantique"
    with pytest.raises(ErreurFournisseur, match="Statut Yousign inconnu"):
        faux_yousign.fournisseur().statut(envoi.reference)


def test_document_signe(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    pdf = pdf_exemple(2)
    envoi = _demander(fournisseur, pdf=pdf)
    with pytest.raises(RefusFournisseur, match="only available when the signature request is done"):
        fournisseur.document_signe(envoi.reference)

    faux_yousign.signer(envoi.reference, envoi.signataires["es"])
    faux_yousign.signer(envoi.reference, envoi.signataires["ans"])
    signe = fournisseur.document_signe(envoi.reference)

    assert signe != pdf and signe.startswith(pdf)  # an incremental update of the uploaded PDF
    assert signe == faux_yousign.pdf_signe(envoi.reference)
    assert PdfFileReader(BytesIO(signe)).root["/Pages"]["/Count"] == 2
    telechargement = faux_yousign.requetes[-1]
    assert telechargement.chemin == f"/signature_requests/{envoi.reference}/documents/download"
    assert telechargement.query == {"version": ["completed"]}


def test_depuis_settings(yousign_configure, settings):
    fournisseur = FournisseurYousign.depuis_settings()
    assert (fournisseur.base_url, fournisseur.timeout, fournisseur.max_tentatives, fournisseur.backoff) == (
        yousign_configure.url, 2.0, 3, 0.0)
    envoi = _demander(fournisseur)
    assert fournisseur.statut(envoi.reference) is Statut.EN_COURS


def test_depuis_settings_valeurs_par_defaut(settings):
    for nom in ("YOUSIGN_API_URL", "YOUSIGN_API_KEY", "YOUSIGN_WEBHOOK_SECRET", "YOUSIGN_TIMEOUT",
                "YOUSIGN_TENTATIVES", "YOUSIGN_BACKOFF"):
        if hasattr(settings, nom):
            delattr(settings, nom)
    fournisseur = FournisseurYousign.depuis_settings()
    assert fournisseur.base_url == "https://api.yousign.app/v3"
    assert (fournisseur.timeout, fournisseur.max_tentatives, fournisseur.backoff) == (10.0, 4, 0.5)


def test_la_cle_n_est_jamais_journalisee(faux_yousign, caplog):
    caplog.set_level(logging.DEBUG)
    fournisseur = faux_yousign.fournisseur()
    faux_yousign.pannes(1)
    envoi = _demander(fournisseur)
    with pytest.raises(RefusFournisseur) as refus:
        fournisseur.document_signe(envoi.reference)
    faux_yousign.pannes(3)
    with pytest.raises(ErreurFournisseur) as erreur:
        fournisseur.statut(envoi.reference)
    assert "tentative 1/3" in caplog.text  # the retries were logged…
    for texte in (caplog.text, str(refus.value), str(erreur.value), repr(fournisseur)):
        assert faux_yousign.api_key not in texte  # …without the key


# --- callbacks (webhooks) --------------------------------------------------------------------


def test_rappel_livre_par_http_et_verifie(faux_yousign, recepteur):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    faux_yousign.url_webhook = recepteur.url
    webhooks = faux_yousign.signer(envoi.reference, envoi.signataires["es"])

    assert [w.statuts for w in webhooks] == [[200]]
    corps, entetes = recepteur.recus[0]
    assert entetes["X-Yousign-Signature-256"] == "sha256=" + hmac.new(
        faux_yousign.webhook_secret.encode(), corps, hashlib.sha256).hexdigest()
    assert entetes["X-Yousign-Retry"] == "0" and entetes["User-Agent"] == "Yousign Webhook Bot"

    retour = fournisseur.lire_retour(corps=corps, entetes=entetes)
    evenement = json.loads(corps)
    assert retour.identifiant == evenement["event_id"]
    assert retour.type == "signer.done"
    assert retour.reference == envoi.reference
    assert retour.signataire == envoi.signataires["es"]
    assert retour.horodatage == datetime.datetime.fromtimestamp(int(evenement["event_time"]), tz=datetime.UTC)
    assert retour.donnees["data"]["signature_request"]["external_id"] == "convention-42"


def test_la_derniere_signature_envoie_signer_done_puis_signature_request_done(faux_yousign, recepteur):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    faux_yousign.signer(envoi.reference, envoi.signataires["es"])
    faux_yousign.url_webhook = recepteur.url
    faux_yousign.signer(envoi.reference, envoi.signataires["ans"])
    retours = [fournisseur.lire_retour(corps=c, entetes=e) for c, e in recepteur.recus]
    assert [(r.type, r.signataire) for r in retours] == [
        ("signer.done", envoi.signataires["ans"]), ("signature_request.done", "")]
    assert retours[1].donnees["data"]["signature_request"]["status"] == "done"


def test_rappel_d_expiration(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.expirer(envoi.reference)
    retour = fournisseur.lire_retour(corps=webhook.corps, entetes=webhook.entetes)
    assert (retour.type, retour.reference, retour.signataire) == ("signature_request.expired", envoi.reference, "")


def test_rappel_pour_une_demande_inconnue_du_faux(faux_yousign):
    # The provider only checks the signature: deciding the reference is unknown is the caller's job.
    webhook = faux_yousign.construire_webhook("signer.done", "demande-jamais-envoyee", "signataire-x")
    retour = faux_yousign.fournisseur().lire_retour(corps=webhook.corps, entetes=webhook.entetes)
    assert (retour.reference, retour.signataire) == ("demande-jamais-envoyee", "signataire-x")


def test_le_meme_evenement_livre_deux_fois_donne_le_meme_identifiant(faux_yousign, recepteur):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.construire_webhook("signer.done", envoi.reference, envoi.signataires["es"])
    assert faux_yousign.livrer(webhook, recepteur.url) == 200
    assert faux_yousign.livrer(webhook, recepteur.url, essai=1) == 200

    (corps1, entetes1), (corps2, entetes2) = recepteur.recus
    assert corps1 == corps2 and (entetes1["X-Yousign-Retry"], entetes2["X-Yousign-Retry"]) == ("0", "1")
    premier = fournisseur.lire_retour(corps=corps1, entetes=entetes1)
    second = fournisseur.lire_retour(corps=corps2, entetes=entetes2)
    assert premier.identifiant == second.identifiant == webhook.evenement["event_id"]
    assert premier == second


def test_les_en_tetes_sont_lus_sans_tenir_compte_de_la_casse(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.construire_webhook("signature_request.done", envoi.reference)
    entetes = {k.lower(): v for k, v in webhook.entetes.items()}
    assert fournisseur.lire_retour(corps=webhook.corps, entetes=entetes).type == "signature_request.done"


def _signe(corps: bytes, secret: str) -> dict[str, str]:
    return {"X-Yousign-Signature-256": "sha256=" + hmac.new(secret.encode(), corps, hashlib.sha256).hexdigest()}


def test_rappel_dont_le_corps_a_ete_modifie(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.construire_webhook("signature_request.done", envoi.reference)
    falsifie = webhook.corps.replace(b"signature_request.done", b"signature_request.expired")
    assert falsifie != webhook.corps
    with pytest.raises(RetourInvalide, match="signature du webhook Yousign est invalide"):
        fournisseur.lire_retour(corps=falsifie, entetes=webhook.entetes)


def test_rappel_signe_avec_un_autre_secret(faux_yousign):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.construire_webhook("signature_request.done", envoi.reference, secret="autre-secret")
    with pytest.raises(RetourInvalide, match="signature du webhook Yousign est invalide"):
        fournisseur.lire_retour(corps=webhook.corps, entetes=webhook.entetes)


@pytest.mark.parametrize("entete", [None, "", "sha256=", "deadbeef", "sha1=abc"])
def test_rappel_sans_signature_valide(faux_yousign, entete):
    fournisseur = faux_yousign.fournisseur()
    envoi = _demander(fournisseur)
    webhook = faux_yousign.construire_webhook("signature_request.done", envoi.reference)
    entetes = {"Content-Type": "application/json"}
    if entete is not None:
        entetes["X-Yousign-Signature-256"] = entete
    with pytest.raises(RetourInvalide):
        fournisseur.lire_retour(corps=webhook.corps, entetes=entetes)


@pytest.mark.parametrize("corps", [
    b"{pas du json",
    b"\xff\xfe",
    b"[1, 2]",
    json.dumps({"event_name": "signer.done", "data": {"signature_request": {"id": "x"}}}).encode(),
    json.dumps({"event_id": "e1", "event_name": "signer.done", "data": {}}).encode(),
    json.dumps({"event_id": "e1", "event_name": "signer.done", "data": []}).encode(),
])
def test_rappel_illisible_mais_bien_signe(faux_yousign, corps):
    fournisseur = faux_yousign.fournisseur()
    with pytest.raises(RetourInvalide, match="webhook Yousign"):
        fournisseur.lire_retour(corps=corps, entetes=_signe(corps, faux_yousign.webhook_secret))


def test_rappel_refuse_sans_secret_configure(faux_yousign):
    corps = json.dumps({"event_id": "e1", "event_name": "signer.done",
                        "data": {"signature_request": {"id": "x"}}}).encode()
    with pytest.raises(RetourInvalide, match="secret"):
        faux_yousign.fournisseur(webhook_secret="").lire_retour(corps=corps, entetes=_signe(corps, ""))


def test_horodatage_illisible_laisse_le_champ_vide(faux_yousign):
    corps = json.dumps({"event_id": "e1", "event_name": "signer.done", "event_time": "hier",
                        "data": {"signature_request": {"id": "sr"}, "signer": {"id": "s1"}}}).encode()
    retour = faux_yousign.fournisseur().lire_retour(corps=corps, entetes=_signe(corps, faux_yousign.webhook_secret))
    assert (retour.reference, retour.signataire, retour.horodatage) == ("sr", "s1", None)


# --- the fake itself behaves like Yousign ----------------------------------------------------


def test_faux_erreurs_documentees(faux_yousign):
    cle = {"Authorization": f"Bearer {faux_yousign.api_key}"}
    sans_nom = httpx.post(f"{faux_yousign.url}/signature_requests", json={"delivery_mode": "email"},
                          headers=cle, timeout=5)
    assert sans_nom.status_code == 400
    assert sans_nom.json() == {"type": "invalid_request_error", "detail": "Request validation failed.",
                               "invalid_params": [{"name": "name", "reason": "This value should not be blank."}]}
    assert httpx.get(f"{faux_yousign.url}/signature_requests/inconnue", headers=cle, timeout=5).status_code == 404
    sans_cle = httpx.get(f"{faux_yousign.url}/signature_requests/inconnue", timeout=5)
    assert sans_cle.status_code == 401 and "detail" in sans_cle.json()


def test_faux_activation_sans_signataire_refusee(faux_yousign):
    cle = {"Authorization": f"Bearer {faux_yousign.api_key}"}
    demande = httpx.post(f"{faux_yousign.url}/signature_requests", headers=cle, timeout=5,
                         json={"name": "Vide", "delivery_mode": "email"}).json()
    reponse = httpx.post(f"{faux_yousign.url}/signature_requests/{demande['id']}/activate", headers=cle, timeout=5)
    assert reponse.status_code == 400
    assert {p["name"] for p in reponse.json()["invalid_params"]} == {"documents", "signers"}


def test_faux_respecte_l_ordre_des_signataires(faux_yousign):
    envoi = _demander(faux_yousign.fournisseur())
    with pytest.raises(ErreurSimulation, match="pas le tour"):
        faux_yousign.signer(envoi.reference, envoi.signataires["ans"])
    with pytest.raises(ErreurSimulation):
        faux_yousign.expirer("inconnue")


def test_faux_en_contexte():
    with FauxYousign(api_key="k", webhook_secret="s") as faux:
        url = faux.url
        envoi = _demander(faux.fournisseur())
        assert faux.fournisseur().statut(envoi.reference) is Statut.EN_COURS
    with pytest.raises(ErreurFournisseur, match="connexion impossible"):
        FournisseurYousign(base_url=url, api_key="k", max_tentatives=1).statut(envoi.reference)
