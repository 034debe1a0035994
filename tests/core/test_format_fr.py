"""French formatting (care_portal/core/format_fr.py and its template filters), then the pages that show
amounts, percentages and dates (issue 23): « 118 208,74 € » with a narrow no-break space between
thousands and a no-break space before the unit, « 2,4 % », dates with French month names."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from care_portal.core.format_fr import date_longue, minuscule_initiale, montant, nombre, pluriel, pourcentage
from tests.candidatures.test_views import se_connecter
from tests.conventions.conventions import certificat, commit  # noqa: F401 (fixture)
from tests.declarations.conftest import declaration, signee, stockage  # noqa: F401 (fixtures)

FINE, INSECABLE = "\u202f", "\u00a0"
# An amount written the English way or without its no-break spaces: « 118208.74 € », « 118 208,74 € ».
MAL_FORMATE = re.compile(r"\d\.\d{2} ?€|\d \d{3},\d{2}|\d \d{3}\b.{0,12}€|\d [€%]")


@pytest.mark.parametrize(("valeur", "attendu"), [
    (Decimal("118208.74"), f"118{FINE}208,74{INSECABLE}€"),
    ("450000", f"450{FINE}000,00{INSECABLE}€"),
    (Decimal("0.5"), f"0,50{INSECABLE}€"),
    (Decimal("999.995"), f"1{FINE}000,00{INSECABLE}€"),  # half up, cents
    (Decimal("-1234.5"), f"-1{FINE}234,50{INSECABLE}€"),
    (None, "—"), ("", "—"), ("pas un nombre", "—"),
])
def test_montant(valeur, attendu):
    assert montant(valeur) == attendu


def test_nombre_pourcentage_pluriel_date():
    assert nombre(1234567) == f"1{FINE}234{FINE}567" and nombre(Decimal("2.5")) == "2,5" and nombre(999) == "999"
    assert nombre(Decimal("2.456"), 1) == "2,5"
    assert pourcentage(Decimal("2.48")) == f"2,48{INSECABLE}%" and pourcentage(90) == f"90{INSECABLE}%"
    assert pluriel(1, "jour") == f"1{INSECABLE}jour" and pluriel(0, "jour") == f"0{INSECABLE}jour"
    assert pluriel(45, "seconde") == f"45{INSECABLE}secondes" and pluriel(2, "travail", "travaux").endswith("travaux")
    assert date_longue(timezone.datetime(2026, 3, 1).date()) == "1er mars 2026"
    assert date_longue(timezone.datetime(2026, 8, 14).date()) == "14 août 2026"


@pytest.mark.parametrize(("libelle", "attendu"), [
    ("Document présentant la politique de sécurité des SI (PSSI)",
     "document présentant la politique de sécurité des SI (PSSI)"),
    ("Organigramme incluant le RSSI", "organigramme incluant le RSSI"),
    ("Instruction par l'ARS", "instruction par l'ARS"),
    ("ARS Nouvelle-Aquitaine", "ARS Nouvelle-Aquitaine"),  # starts with an acronym: unchanged
    ("", ""),
])
def test_minuscule_initiale_garde_les_sigles(libelle, attendu):
    assert minuscule_initiale(libelle) == attendu


def test_filtres():
    gabarit = Template('{% load format_fr %}{{ m|montant }}|{{ p|pourcentage }}|{{ n|nombre }}|{{ j|pluriel:"jour" }}'
                       '|{{ x|pluriel:"travail,travaux" }}|{{ s|minuscule_initiale }}')
    rendu = gabarit.render(Context({"m": Decimal("118208.74"), "p": Decimal("2.48"), "n": 12000, "j": 1, "x": 3,
                                    "s": "Politique de sécurité des SI (PSSI)"}))
    assert rendu == (f"118{FINE}208,74{INSECABLE}€|2,48{INSECABLE}%|12{FINE}000|1{INSECABLE}jour|"
                     f"3{INSECABLE}travaux|politique de sécurité des SI (PSSI)")


# --- pages ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_file_des_declarations_montants_et_dates_en_francais(client, declaration):  # noqa: F811
    from declarations import services
    from tests.declarations.donnees import ajouter, rafraichir

    d, referent, ars = declaration
    ajouter(d, referent, montant_ht="118208.74", montant_ttc="141850.49")
    with commit():
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    d = rafraichir(d)
    se_connecter(client, ars)
    page = unescape(client.get(reverse("declarations:file")).content.decode())
    cellule = re.search(r'<td class="fr-cell--right">([^<]*)</td>', page)[1]
    assert cellule in (f"118{FINE}208,74{INSECABLE}€", f"141{FINE}850,49{INSECABLE}€")
    assert "118208.74" not in page and "141850.49" not in page and not MAL_FORMATE.search(page)
    assert f"{timezone.localtime(d.deposee_le):%-d/%m/%Y %H:%M}" in page

    detail = unescape(client.get(reverse("declarations:detail", args=[d.pk])).content.decode())
    assert f"118{FINE}208,74{INSECABLE}€" in detail and f"141{FINE}850,49{INSECABLE}€" in detail
    assert not MAL_FORMATE.search(detail)
    assert "Confirmer que la déclaration est complète" in detail and "Déclarer la déclaration" not in detail


@pytest.mark.django_db
def test_convention_montant_et_dates_en_francais(client, signee):  # noqa: F811
    c, referent, _ = signee
    se_connecter(client, referent)
    page = unescape(client.get(reverse("conventions:detail", args=[c.pk])).content.decode())
    montant_cv = c.convention.montant
    assert montant(montant_cv) in page and not MAL_FORMATE.search(page)
    assert re.search(r"\d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre"
                     r"|décembre) \d{4}", page)


@pytest.mark.django_db
def test_budget_part_du_numerique_en_francais(client):
    from tests.objectifs.donnees import candidature_deposee, lignes

    c, referent = candidature_deposee(depose_il_y_a=100)
    se_connecter(client, referent)
    reponse = client.post(reverse("objectifs:budget_enregistrer", args=[c.pk]), {
        "budget-structure": lignes(c)[0].pk, "budget-budget_general": "10000000",
        "budget-budget_numerique": "248000", "budget-etp_securite": "1,5"}, follow=True)
    page = unescape(reponse.content.decode())
    # the same figure as the D1.O5 verdict (rounded down to 2,4 %), never « 2.48 % »
    assert f"part du numérique 2,4{INSECABLE}%" in page and "2.48" not in page


def test_typographie_lie_le_nombre_a_ce_qu_il_compte():
    from care_portal.core.format_fr import typographie

    assert typographie("espacés de 45 jours, 2 audits, 65,9 % et 12,50 €") == (
        "espacés de 45\u00a0jours, 2\u00a0audits, 65,9\u00a0% et 12,50\u00a0€")
    # not before a conjunction or a preposition, where the line may break
    assert typographie("le 24 août 2024 et le 8 septembre, de 45 à 60 jours") == (
        "le 24\u00a0août 2024 et le 8\u00a0septembre, de 45 à 60\u00a0jours")


@pytest.mark.parametrize("n, formes, attendu", [
    (0, "s", ""), (1, "s", ""), (2, "s", "s"), (-3, "s", "s"),
    (1, "attend,attendent", "attend"), (5, "attend,attendent", "attendent"), ([1, 2], "s", "s"), ("x", "s", ""),
])
def test_accord_a_la_francaise(n, formes, attendu):
    from care_portal.core.templatetags.format_fr import accord

    assert accord(n, formes) == attendu


def test_accord_est_disponible_dans_tous_les_gabarits():
    from django.template import engines

    gabarit = engines["django"].from_string("{{ n }} objectif{{ n|accord }} atteint{{ n|accord }}")
    assert gabarit.render({"n": 0}) == "0 objectif atteint"
    assert gabarit.render({"n": 2}) == "2 objectifs atteints"
