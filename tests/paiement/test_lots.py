"""SEPA batches (the pain.001.001.09 file from the ordered payments, valid against the XSD, kept as a
document) and the bank's confirmation (good, malformed, twice)."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from lxml import etree

from candidatures.models import Candidature
from care_portal.workflow.services import WorkflowError
from paiement import sepa, services
from paiement.models import Paiement
from tests.conventions.conventions import commit

from .paiements import agent, controle_valide, jours, ordonnance, paiement_de, rafraichir

pytestmark = [pytest.mark.django_db]
NS = {"p": sepa.NS}


@pytest.fixture
def deux_ordonnances():
    s1, s2 = agent(), agent()
    faits = []
    for nom, cout in (("Centre hospitalier de Libourne", "1000.00"), ("Centre hospitalier d'Arcachon", "2500.50")):
        ctl, _, _ = controle_valide(raison_sociale=nom, lignes=({"montant_ht": cout, "montant_ttc": cout},))
        faits.append(ordonnance(paiement_de(ctl), s1, s2))
    return faits, s1


def test_lot_fichier_sepa_valide_somme_et_nombre(deux_ordonnances):
    (p1, p2), s = deux_ordonnances
    lot = services.lot_creer(acteur=s, date_execution=jours(2))
    assert (lot.nombre, lot.total) == (2, Decimal("3500.50")) and lot.message_id == f"ECARE-LOT-{lot.pk:06d}"
    xml = services.xml_du_lot(lot)
    assert sepa.valider_xml(xml) == []
    doc = etree.fromstring(xml)
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "3500.50"
    assert doc.findtext(".//p:PmtInf/p:CtrlSum", namespaces=NS) == "3500.50"
    assert doc.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=NS) == jours(2).isoformat()
    refs = doc.xpath(".//p:EndToEndId/text()", namespaces=NS)
    assert refs == [p1.reference, p2.reference]
    ibans = doc.xpath(".//p:CdtrAcct/p:Id/p:IBAN/text()", namespaces=NS)
    assert ibans == [Candidature.objects.get(pk=p.convention.candidature_id).iban.replace(" ", "") for p in (p1, p2)]
    # kept through the documents service: a locked ZIP holding the XML
    assert lot.document.verrouille and lot.document.categorie == services.CATEGORIE_VIREMENT
    with default_storage.open(lot.document.cle_stockage, "rb") as f, zipfile.ZipFile(f) as z:
        assert z.read(f"{lot.message_id}.xml") == xml
    assert set(Paiement.objects.filter(lot=lot).values_list("pk", flat=True)) == {p1.pk, p2.pk}
    with pytest.raises(WorkflowError, match="lot serait vide"):
        services.lot_creer(acteur=s, date_execution=jours(2))


def test_lot_refuse_si_iban_modifie_ou_date_passee(deux_ordonnances):
    (p1, _), s = deux_ordonnances
    with pytest.raises(WorkflowError, match="passée"):
        services.lot_creer(acteur=s, date_execution=jours(-1))
    Candidature.objects.filter(pk=p1.convention.candidature_id).update(iban="FR7610107001011234567890129")
    with pytest.raises(WorkflowError, match="IBAN de la candidature a changé"):
        services.lot_creer(acteur=s, date_execution=jours(1))
    assert not Paiement.objects.filter(lot__isnull=False).exists()


def test_lot_refuse_a_un_autre_role(deux_ordonnances):
    from care_portal.comptes.roles import Role

    with pytest.raises(WorkflowError, match="Seuls le secrétariat"):
        services.lot_creer(acteur=agent(Role.CONTROLEUR_ANS), date_execution=jours(1))


def _csv(*lignes, entete="reference;date;reference_bancaire") -> bytes:
    return ("\ufeff" + "\n".join([entete, *lignes]) + "\n").encode("utf-8")


def test_confirmation_paie_une_fois_et_reimport_sans_effet(deux_ordonnances):
    (p1, p2), s = deux_ordonnances
    services.lot_creer(acteur=s, date_execution=jours(0))
    contenu = _csv(f"{p1.reference};{jours(0).isoformat()};BQ-1", f"{p2.reference};{jours(0):%d/%m/%Y};BQ-2")
    with commit():
        r = services.confirmation_importer(acteur=s, contenu=contenu, nom_fichier="banque.csv")
    assert {p.pk for p in r.payes} == {p1.pk, p2.pk} and r.deja_payes == []
    assert [rafraichir(p).reference_bancaire for p in (p1, p2)] == ["BQ-1", "BQ-2"]
    assert len(mail.outbox) == 2
    with commit():
        r = services.confirmation_importer(acteur=s, contenu=contenu, nom_fichier="banque.csv")
    assert r.payes == [] and len(r.deja_payes) == 2 and len(mail.outbox) == 2
    # the same payment confirmed with another bank reference: refused, nothing changes
    with pytest.raises(services.ConfirmationInvalide) as exc:
        services.confirmation_importer(acteur=s, contenu=_csv(f"{p1.reference};{jours(0).isoformat()};BQ-9"),
                                       nom_fichier="b.csv")
    assert "ne sera pas payé deux fois" in exc.value.erreurs[0]
    assert rafraichir(p1).reference_bancaire == "BQ-1"


@pytest.mark.parametrize("contenu, attendu", [
    (b"", "vide"),
    (b"\x00\x01PK", "pas un fichier texte"),
    (b"ref;quand;banque\nX;2025-01-01;B\n", "l'en-tête"),
    (None, "la date « 32/13/2025 » est invalide"),
    (None, "2 colonnes au lieu de 3"),
    (None, "aucun paiement n'a la référence"),
    (None, "figure déjà ligne 2"),
    (None, "dans le futur"),
])
def test_confirmation_malformee_refusee_rien_n_est_paye(deux_ordonnances, contenu, attendu):
    (p1, p2), s = deux_ordonnances
    today = jours(0).isoformat()
    contenu = contenu if contenu is not None else {
        "la date « 32/13/2025 » est invalide": _csv(f"{p1.reference};{today};B1", f"{p2.reference};32/13/2025;B2"),
        "2 colonnes au lieu de 3": _csv(f"{p1.reference};{today};B1", f"{p2.reference};{today}"),
        "aucun paiement n'a la référence": _csv(f"{p1.reference};{today};B1", f"ECARE-INCONNU;{today};B2"),
        "figure déjà ligne 2": _csv(f"{p1.reference};{today};B1", f"{p1.reference};{today};B1"),
        "dans le futur": _csv(f"{p1.reference};{jours(3).isoformat()};B1"),
    }[attendu]
    with pytest.raises(services.ConfirmationInvalide) as exc:
        services.confirmation_importer(acteur=s, contenu=contenu, nom_fichier="banque.csv")
    assert any(attendu in e for e in exc.value.erreurs), exc.value.erreurs
    assert not Paiement.objects.filter(etat=Paiement.Etat.PAYE).exists()


def test_confirmation_d_un_paiement_non_ordonnance_refusee():
    ctl, _, _ = controle_valide()
    p = paiement_de(ctl)
    s = agent()
    with pytest.raises(services.ConfirmationInvalide) as exc:
        services.confirmation_importer(acteur=s, contenu=_csv(f"{p.reference};{jours(0).isoformat()};B"),
                                       nom_fichier="b.csv")
    assert "seul un paiement ordonnancé" in exc.value.erreurs[0]
    assert rafraichir(p).etat == Paiement.Etat.A_VALIDER
