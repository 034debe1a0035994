"""Screenshots of the pages each role works on, at a desktop and a phone width (issue 23's review).

Against a running demo (``make demo``, or any server with the demo accounts):

    .venv/bin/python scripts/captures_ecran.py --url http://127.0.0.1:8000 --sortie var/captures

It logs in as the ES référent, the ARS référent and the ANS controller (the TOTP code comes from
``manage.py code_totp``, demo only), opens their pages and saves full-page PNGs named
``<page>-<width>.png``. For each page it also prints whether the header's « République française » block is
whole (the width its text needs fits in its box) and the page's height.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

RACINE = Path(__file__).resolve().parents[1]
MOT_DE_PASSE = "Demo-eCaRE-2024!"
LARGEURS = (1280, 375)
MESURE_BLOC_MARQUE = """() => {
  const logo = document.querySelector('.fr-header__brand .fr-logo');
  if (!logo) return null;
  return {boite: logo.getBoundingClientRect().width, texte: logo.scrollWidth};
}"""


def code_totp(email: str) -> str:
    sortie = subprocess.run([sys.executable, "manage.py", "code_totp", email], cwd=RACINE, check=True,
                            capture_output=True, text=True)
    return sortie.stdout.strip().splitlines()[-1]


def connecter(page, url: str, email: str) -> None:
    page.goto(f"{url}/comptes/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    if "/2fa/" in page.url:
        page.locator("input[name=code], input[autocomplete=one-time-code]").first.fill(code_totp(email))
        page.locator("main").get_by_role("button").first.click()
        page.wait_for_load_state("load")


def capturer(page, nom: str, sortie: Path) -> None:
    for largeur in LARGEURS:
        page.set_viewport_size({"width": largeur, "height": 900})
        page.reload()
        page.wait_for_load_state("load")
        chemin = sortie / f"{nom}-{largeur}.png"
        page.screenshot(path=str(chemin), full_page=True)
        mesure = page.evaluate(MESURE_BLOC_MARQUE)
        hauteur = page.evaluate("() => document.documentElement.scrollHeight")
        entier = mesure is None or mesure["texte"] <= mesure["boite"] + 1
        print(f"{chemin.name}: {page.url} — hauteur {hauteur} px — bloc marque {'entier' if entier else 'COUPÉ'}")
    page.set_viewport_size({"width": LARGEURS[0], "height": 900})  # the menu's links, visible again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--sortie", default="var/captures")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    sortie = Path(args.sortie)
    sortie.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=args.chromium, args=["--headless", "--no-sandbox"])
        parcours = [
            ("es", "referent.es@demo.ecare.fr", []),
            ("es-objectifs", "referent.clinique@demo.ecare.fr", []),
            ("ars", "referent.ars@demo.ecare.fr", [("ars-file", None)]),
            ("ans", "controleur@demo.ecare.fr", [("ans-tableau-de-bord", None)]),
        ]
        for role, email, _pages in parcours:
            contexte = navigateur.new_context(locale="fr-FR", timezone_id="Europe/Paris")
            page = contexte.new_page()
            connecter(page, args.url, email)
            if role == "es":
                # the référent's dossier from « Mes candidatures » (in the demo: a draft ready to submit)
                page.get_by_role("link", name="Mes candidatures").first.click()
                page.wait_for_load_state("load")
                page.locator("main a[href^='/candidatures/']").filter(has_text="appel").first.click()
                page.wait_for_load_state("load")
                capturer(page, "es-dossier", sortie)
            elif role == "es-objectifs":
                # a dossier already submitted (the clinic's), whose objectives are open
                page.get_by_role("link", name="Mes candidatures").first.click()
                page.wait_for_load_state("load")
                page.locator("main a[href^='/candidatures/']").filter(has_text="appel").first.click()
                page.wait_for_load_state("load")
                page.locator("#lien-objectifs").click()
                page.wait_for_load_state("load")
                capturer(page, "es-objectifs", sortie)
            elif role == "ars":
                page.get_by_role("link", name="Candidatures à instruire").first.click()
                page.wait_for_load_state("load")
                capturer(page, "ars-file", sortie)
                page.get_by_role("link", name="Dossiers", exact=True).first.click()
                page.wait_for_load_state("load")
                capturer(page, "ars-dossiers", sortie)
            else:
                capturer(page, "ans-tableau-de-bord", sortie)
            contexte.close()
        navigateur.close()


if __name__ == "__main__":
    main()
