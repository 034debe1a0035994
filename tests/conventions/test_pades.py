"""PAdES sealing of the convention PDF (care_portal/signature/pades.py): real WeasyPrint PDFs, a real
self-signed platform certificate written in the test's directory, pyHanko's own validator."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import stat
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.generic import decode_pdfdocencoding
from pyhanko.pdf_utils.reader import PdfFileReader

from care_portal.signature import pades

NIVEAUX_FORMULAIRE_AU_PLUS = {"NONE", "LTA_UPDATES", "FORM_FILLING"}
# 29 March 2026, 01:30 UTC: half an hour after the switch to summer time, 03:30 in Paris.
HORODATAGE_ES = datetime.datetime(2026, 3, 29, 1, 30, 15, tzinfo=datetime.UTC)
HORODATAGE_ANS = datetime.datetime(2026, 4, 2, 8, 5, tzinfo=datetime.UTC)  # 10:05 in Paris


def convention_html(pages: int) -> str:
    """A small convention: ``pages - 1`` pages of text, then the signature page laid out like the
    real template (no margin, the two frames exactly under pades.BOITE_ES / BOITE_ANS)."""
    corps = "".join(
        f"<section class='article'><h2>Article {i}</h2><p>{'Texte de la convention. ' * 40}</p></section>"
        for i in range(1, pages)
    )
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Convention CaRE</title>
<style>
  @page {{ size: A4; margin: 20mm; }}
  @page signatures {{ margin: 0; }}
  .article {{ page-break-after: always; }}
  .page-signatures {{ page: signatures; position: relative; width: 595pt; height: 842pt; }}
  .cadre {{ position: absolute; top: 460pt; width: 226pt; height: 90pt; border: 0.8pt dashed #000091; }}
</style></head><body>
{corps}
<section class="page-signatures">
  <h2 style="position:absolute; left:57pt; top:70pt">Page des signatures</h2>
  <div class="cadre" style="left:57pt"></div><div class="cadre" style="left:312pt"></div>
</section></body></html>"""


def rendre(pages: int) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=convention_html(pages)).write_pdf()


@pytest.fixture(scope="module")
def pdf_deux_pages() -> bytes:
    return rendre(2)


@pytest.fixture(scope="module")
def fichiers_certificat(tmp_path_factory) -> tuple[Path, Path]:
    dossier = tmp_path_factory.mktemp("certificat")
    certificat, cle = dossier / "plateforme.crt", dossier / "plateforme.key"
    pades.generer_certificat_auto_signe(certificat, cle)
    return certificat, cle


@pytest.fixture
def certificat(settings, fichiers_certificat) -> tuple[Path, Path]:
    settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE = fichiers_certificat
    settings.SIGNATURE_CLE_MOT_DE_PASSE = ""
    return fichiers_certificat


def lecteur(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf))


def widgets(pdf: bytes) -> dict[str, object]:
    """Signature field name → its (merged field/widget) dictionary."""
    champs = {}
    for ref in lecteur(pdf).root["/AcroForm"]["/Fields"]:
        champ = ref.get_object()
        if champ.get("/FT") == "/Sig":
            champs[str(champ["/T"])] = champ
    return champs


_LITTERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ECHAPPEMENTS = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _desechapper(brut: bytes) -> bytes:
    def un(m: re.Match) -> bytes:
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ECHAPPEMENTS.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", un, brut, flags=re.S)


def lignes_du_tampon(pdf: bytes, champ: str) -> list[str]:
    """The text lines drawn by the visible appearance of a signature field."""
    flux = widgets(pdf)[champ]["/AP"]["/N"].get_object().data
    return [decode_pdfdocencoding(_desechapper(m.group(1))) for m in _LITTERAL.finditer(flux)]


def signer_es(pdf: bytes, **kwargs) -> bytes:
    valeurs = {"champ": pades.CHAMP_ES, "nom": "Sylvie Directrice", "fonction": "Directrice générale",
               "horodatage": HORODATAGE_ES, "ip": "203.0.113.42", "raison": pades.RAISON_ES}
    return pades.sceller(pdf, **{**valeurs, **kwargs})


def signer_ans(pdf: bytes, **kwargs) -> bytes:
    valeurs = {"champ": pades.CHAMP_ANS, "nom": "Hélène Générale", "fonction": "Directrice générale de l'ANS",
               "horodatage": HORODATAGE_ANS, "ip": "2001:db8::7", "raison": pades.RAISON_ANS, "lieu": "Paris"}
    return pades.sceller(pdf, **{**valeurs, **kwargs})


# --- empreinte / preparer_champs -----------------------------------------------------------------


def test_empreinte_est_le_sha256_hexadecimal_des_octets():
    assert pades.empreinte(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert pades.empreinte(b"convention") == hashlib.sha256(b"convention").hexdigest()


def test_preparer_champs_ajoute_deux_champs_vides_sur_la_derniere_page(pdf_deux_pages):
    prepare = pades.preparer_champs(pdf_deux_pages)

    # an incremental update: the WeasyPrint bytes are kept as they are, nothing else changes
    assert prepare.startswith(pdf_deux_pages) and len(prepare) > len(pdf_deux_pages)
    r = lecteur(prepare)
    assert len(r.root["/Pages"]["/Kids"]) == len(lecteur(pdf_deux_pages).root["/Pages"]["/Kids"]) == 2
    champs = widgets(prepare)
    assert set(champs) == {pades.CHAMP_ES, pades.CHAMP_ANS}
    derniere_page = r.root["/Pages"]["/Kids"][-1].get_object()
    for nom, boite in ((pades.CHAMP_ES, (57, 292, 283, 382)), (pades.CHAMP_ANS, (312, 292, 538, 382))):
        assert "/V" not in champs[nom]  # empty
        assert [float(x) for x in champs[nom]["/Rect"]] == list(boite)
        assert champs[nom]["/P"].get_object() == derniere_page
    assert [float(x) for x in derniere_page["/MediaBox"]][2:] == pytest.approx([595.28, 841.89], abs=0.01)


def test_preparer_champs_est_idempotent(pdf_deux_pages):
    prepare = pades.preparer_champs(pdf_deux_pages)
    assert pades.preparer_champs(prepare) == prepare


def test_preparer_champs_refuse_ce_qui_n_est_pas_un_pdf():
    with pytest.raises(pades.PdfIllisible, match="pas un PDF lisible"):
        pades.preparer_champs(b"<html>pas un pdf</html>")


# --- sceller / valider ---------------------------------------------------------------------------


def test_signature_puis_contre_signature_valident(certificat, pdf_deux_pages):
    prepare = pades.preparer_champs(pdf_deux_pages)
    assert pades.valider(prepare) == []

    signe_es = signer_es(prepare)
    assert signe_es.startswith(prepare)  # the signature is an incremental update
    [es] = pades.valider(signe_es)
    assert (es.champ, es.intacte, es.valide, es.couvre_tout_le_document) == (pades.CHAMP_ES, True, True, True)
    assert es.niveau_modification == "NONE" and es.conforme

    signe = signer_ans(signe_es)
    assert signe.startswith(signe_es)
    es, ans = pades.valider(signe)
    assert (es.champ, ans.champ) == (pades.CHAMP_ES, pades.CHAMP_ANS)
    assert es.intacte and es.valide and ans.intacte and ans.valide
    assert ans.couvre_tout_le_document and not es.couvre_tout_le_document
    assert ans.niveau_modification == "NONE"
    assert es.niveau_modification in NIVEAUX_FORMULAIRE_AU_PLUS  # the countersignature is form filling
    assert es.conforme and ans.conforme
    assert es.signataire == ans.signataire == "eCaRE — plateforme de signature (démonstration)"
    assert (es.nom, es.raison, es.lieu) == ("Sylvie Directrice", "Signature de la convention CaRE", "France")
    assert (ans.nom, ans.raison, ans.lieu) == ("Hélène Générale", "Contre-signature de l'ANS", "Paris")
    assert es.horodatage is not None and ans.horodatage is not None and es.horodatage.tzinfo is not None
    # still two pages, and a PAdES (ETSI.CAdES.detached) signature in each field
    assert len(lecteur(signe).root["/Pages"]["/Kids"]) == 2
    for champ in widgets(signe).values():
        assert champ["/V"].get_object()["/SubFilter"] == "/ETSI.CAdES.detached"


def test_le_tampon_montre_signataire_date_ip_et_empreinte(certificat, pdf_deux_pages):
    prepare = pades.preparer_champs(pdf_deux_pages)
    signe_es = signer_es(prepare)
    signe = signer_ans(signe_es)

    lignes = lignes_du_tampon(signe, pades.CHAMP_ES)
    texte = " ".join(lignes)
    assert "Signé électroniquement par Sylvie Directrice, Directrice générale" in texte
    assert "le 29/03/2026 à 03:30:15 (heure de Paris)" in texte  # summer time already
    assert "adresse IP : 203.0.113.42" in texte
    assert "empreinte SHA-256 du document :" in texte
    assert pades.empreinte(prepare) in "".join(lignes)  # the hash of exactly the bytes signed

    lignes = lignes_du_tampon(signe, pades.CHAMP_ANS)
    texte = " ".join(lignes)
    assert "Hélène Générale" in texte and "Directrice générale de l'ANS" in texte
    assert "le 02/04/2026 à 10:05:00 (heure de Paris)" in texte
    assert "adresse IP : 2001:db8::7" in texte
    assert pades.empreinte(signe_es) in "".join(lignes)
    assert pades.empreinte(prepare) not in "".join(lignes)


def test_les_caracteres_hors_police_sont_remplaces(certificat, pdf_deux_pages):
    """Courier/WinAnsi cannot draw every character: typographic ones get a plain look-alike."""
    signe = signer_es(pades.preparer_champs(pdf_deux_pages), nom="Zoë L’Hôpital — Œuvre", fonction="Directrice")
    texte = " ".join(lignes_du_tampon(signe, pades.CHAMP_ES))
    assert "Zoë L'Hôpital - OEuvre, Directrice" in texte
    [resultat] = pades.valider(signe)
    assert resultat.nom == "Zoë L’Hôpital — Œuvre"  # /Name keeps the exact text (Unicode string)


def test_un_document_modifie_apres_signature_ne_valide_plus(certificat, pdf_deux_pages):
    signe_es = bytearray(signer_es(pades.preparer_champs(pdf_deux_pages)))
    position = signe_es.index(b"stream\n") + 20  # inside the first page's compressed content
    signe_es[position] ^= 0x01
    altere = bytes(signe_es)

    [es] = pades.valider(altere)
    assert not es.intacte and not es.conforme
    with pytest.raises(pades.DocumentAltere, match="modifié après sa signature"):
        signer_ans(altere)


def test_une_signature_illisible_est_un_echec_et_non_une_exception(certificat, pdf_deux_pages):
    signe_es = bytearray(signer_es(pades.preparer_champs(pdf_deux_pages)))
    debut = signe_es.rindex(b"/Contents <") + len(b"/Contents <")
    signe_es[debut] = ord("9") if signe_es[debut] != ord("9") else ord("1")  # the CMS no longer parses

    [es] = pades.valider(bytes(signe_es))
    assert (es.champ, es.intacte, es.valide, es.niveau_modification) == (pades.CHAMP_ES, False, False, "OTHER")
    with pytest.raises(pades.DocumentAltere):
        signer_ans(bytes(signe_es))


def test_une_signature_d_un_autre_certificat_n_est_pas_valide(settings, certificat, pdf_deux_pages, tmp_path):
    signe = signer_es(pades.preparer_champs(pdf_deux_pages))
    pades.generer_certificat_auto_signe(tmp_path / "autre.crt", tmp_path / "autre.key", nom_commun="Autre")
    settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE = tmp_path / "autre.crt", tmp_path / "autre.key"

    [es] = pades.valider(signe)
    assert es.intacte and not es.valide and not es.conforme  # untouched, but not by our trust root
    with pytest.raises(pades.DocumentAltere, match="certificat actuel de la plateforme"):
        signer_ans(signe)


def test_signer_un_champ_deja_signe_est_refuse(certificat, pdf_deux_pages):
    signe_es = signer_es(pades.preparer_champs(pdf_deux_pages))
    with pytest.raises(pades.ChampDejaSigne, match="« signature_es » est déjà signé"):
        signer_es(signe_es, nom="Quelqu'un d'autre")


def test_signer_un_document_non_prepare_est_refuse(certificat, pdf_deux_pages):
    with pytest.raises(pades.ChampInconnu, match="ne comporte pas de champ de signature « signature_es »"):
        signer_es(pdf_deux_pages)


def test_horodatage_sans_fuseau_refuse(certificat, pdf_deux_pages):
    with pytest.raises(ValueError, match="fuseau horaire"):
        signer_es(pades.preparer_champs(pdf_deux_pages), horodatage=datetime.datetime(2026, 3, 1, 12, 0))


# --- certificate ---------------------------------------------------------------------------------


def test_certificat_non_configure(settings, pdf_deux_pages):
    del settings.SIGNATURE_CERTIFICAT
    with pytest.raises(pades.CertificatIndisponible, match="n'est pas configuré.*generer_certificat_plateforme"):
        signer_es(pades.preparer_champs(pdf_deux_pages))


def test_certificat_introuvable(settings, tmp_path, pdf_deux_pages):
    settings.SIGNATURE_CERTIFICAT = tmp_path / "absent.crt"
    settings.SIGNATURE_CLE = tmp_path / "absent.key"
    with pytest.raises(pades.CertificatIndisponible, match="absent.crt.*introuvable"):
        pades.valider(pdf_deux_pages)


def test_cle_qui_ne_correspond_pas_au_certificat(settings, certificat, tmp_path, pdf_deux_pages):
    pades.generer_certificat_auto_signe(tmp_path / "autre.crt", tmp_path / "autre.key")
    settings.SIGNATURE_CLE = tmp_path / "autre.key"
    with pytest.raises(pades.CertificatIndisponible, match="ne correspond pas au certificat"):
        signer_es(pades.preparer_champs(pdf_deux_pages))


def test_cle_chiffree_par_mot_de_passe(settings, tmp_path, pdf_deux_pages):
    certificat, cle = tmp_path / "c.crt", tmp_path / "c.key"
    pades.generer_certificat_auto_signe(certificat, cle, mot_de_passe="s3cret")
    assert b"ENCRYPTED PRIVATE KEY" in cle.read_bytes()
    settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE = certificat, cle

    settings.SIGNATURE_CLE_MOT_DE_PASSE = "faux"
    with pytest.raises(pades.CertificatIndisponible, match="mot de passe"):
        signer_es(pades.preparer_champs(pdf_deux_pages))

    settings.SIGNATURE_CLE_MOT_DE_PASSE = "s3cret"
    [es] = pades.valider(signer_es(pades.preparer_champs(pdf_deux_pages)))
    assert es.conforme


def test_certificat_genere(tmp_path):
    from cryptography import x509

    certificat, cle = tmp_path / "sous" / "c.crt", tmp_path / "sous" / "c.key"
    pades.generer_certificat_auto_signe(certificat, cle, jours=30)

    assert stat.S_IMODE(os.stat(cle).st_mode) == 0o600
    lu = x509.load_pem_x509_certificate(certificat.read_bytes())
    assert lu.subject == lu.issuer
    assert lu.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == (
        "eCaRE — plateforme de signature (démonstration)")
    usage = lu.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert lu.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert 29 <= (lu.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).days <= 30


def test_le_signataire_charge_est_garde_tant_que_les_fichiers_ne_changent_pas(certificat, tmp_path, settings):
    premier = pades._materiel()
    assert pades._materiel() is premier
    # a new certificate at the same paths (new modification time) is picked up without a restart
    copie_crt, copie_cle = tmp_path / "c.crt", tmp_path / "c.key"
    pades.generer_certificat_auto_signe(copie_crt, copie_cle)
    settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE = copie_crt, copie_cle
    deuxieme = pades._materiel()
    assert deuxieme is not premier
    os.utime(copie_crt, ns=(1, 1))
    assert pades._materiel() is not deuxieme


# --- manage.py generer_certificat_plateforme -----------------------------------------------------


def test_commande_cree_refuse_d_ecraser_puis_force(settings, tmp_path):
    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    settings.SIGNATURE_CLE_MOT_DE_PASSE = ""

    sortie = StringIO()
    call_command("generer_certificat_plateforme", stdout=sortie)
    assert "Certificat de la plateforme écrit dans" in sortie.getvalue()
    assert "empreinte SHA-256 du certificat" in sortie.getvalue()
    premier = settings.SIGNATURE_CERTIFICAT.read_bytes()
    assert stat.S_IMODE(os.stat(settings.SIGNATURE_CLE).st_mode) == 0o600
    [es] = pades.valider(signer_es(pades.preparer_champs(rendre(1))))
    assert es.conforme

    with pytest.raises(CommandError, match="déjà présent.*--force"):
        call_command("generer_certificat_plateforme", stdout=StringIO())
    assert settings.SIGNATURE_CERTIFICAT.read_bytes() == premier

    call_command("generer_certificat_plateforme", "--force", stdout=StringIO())
    assert settings.SIGNATURE_CERTIFICAT.read_bytes() != premier


def test_signer_et_valider_depuis_une_boucle_asyncio_en_cours(certificat, pdf_deux_pages):
    """pyHanko calls asyncio.run(), which refuses a thread whose loop runs (Playwright's sync API keeps
    one in the test process, an ASGI server would too): sealing and validating still work there."""
    import asyncio
    import threading

    async def dans_la_boucle():
        asyncio.get_running_loop()  # we are inside a running loop
        signe = signer_ans(signer_es(pades.preparer_champs(pdf_deux_pages)))
        return pades.valider(signe)

    # in a thread of its own: this test may itself run in a thread whose loop runs (after browser tests)
    resultats = []
    fil = threading.Thread(target=lambda: resultats.extend(asyncio.run(dans_la_boucle())))
    fil.start()
    fil.join()
    assert [(r.champ, r.valide, r.intacte) for r in resultats] == [
        (pades.CHAMP_ES, True, True), (pades.CHAMP_ANS, True, True)]
