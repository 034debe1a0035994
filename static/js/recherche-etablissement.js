/*
 * Sign-up, step 1: live search of the establishment (progressive enhancement).
 *
 * Without JavaScript the search form is submitted (GET ?q=) and the server renders the radio list.
 * With it, typing fetches the JSON of comptes:recherche_etablissements and rebuilds the same list;
 * the result count is announced by the role="status" / aria-live="polite" paragraph. The DOM is
 * built with createElement/textContent only (no innerHTML: the names come from the referential).
 */
(function () {
  "use strict";

  var formulaire = document.getElementById("recherche-etablissement");
  if (!formulaire || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var champ = formulaire.querySelector("input[name=q]");
  var url = formulaire.getAttribute("data-url");
  var statut = document.getElementById("resultats-statut");
  var zone = document.getElementById("resultats-etablissements");
  var liste = document.getElementById("liste-etablissements");
  var qCache = document.getElementById("choix-q");
  var LONGUEUR_MIN = 2;
  var DELAI_MS = 300;
  var minuterie = null;
  var controleur = null;
  var derniere = champ.value.trim();

  function vider(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  function pluriel(n, mot) {
    return n > 1 ? mot + "s" : mot;
  }

  function messageStatut(donnees, q) {
    var n = donnees.nombre;
    if (n === 0) {
      return "Aucun établissement ne correspond à « " + q + " ». Vérifiez l'orthographe, ou cherchez par " +
        "commune ou par numéro FINESS (9 caractères).";
    }
    var message = n + " " + pluriel(n, "établissement") + " " + pluriel(n, "trouvé") + " pour « " + q + " »";
    if (donnees.limite_atteinte) {
      message += " : seuls les 20 premiers sont affichés, précisez votre recherche";
    }
    return message + ".";
  }

  function details(r) {
    var morceaux = [r.type_libelle, "FINESS " + r.finess];
    if (r.commune) {
      morceaux.push(r.commune);
    }
    morceaux.push(r.departement);
    if (r.entite_juridique) {
      morceaux.push("entité juridique : " + r.entite_juridique);
    }
    return morceaux.join(" · ");
  }

  function ligne(r) {
    var id = "etablissement-" + r.valeur.replace(":", "-");
    var element = document.createElement("div");
    element.className = "fr-fieldset__element";
    var groupe = document.createElement("div");
    groupe.className = "fr-radio-group";
    var bouton = document.createElement("input");
    bouton.type = "radio";
    bouton.id = id;
    bouton.name = "etablissement";
    bouton.value = r.valeur;
    bouton.required = true;
    var libelle = document.createElement("label");
    libelle.className = "fr-label";
    libelle.htmlFor = id;
    libelle.appendChild(document.createTextNode(r.nom + " "));
    var aide = document.createElement("span");
    aide.className = "fr-hint-text";
    aide.textContent = details(r);
    libelle.appendChild(aide);
    groupe.appendChild(bouton);
    groupe.appendChild(libelle);
    element.appendChild(groupe);
    return element;
  }

  function afficher(donnees, q) {
    vider(liste);
    donnees.resultats.forEach(function (r) {
      liste.appendChild(ligne(r));
    });
    zone.hidden = donnees.nombre === 0;
    statut.textContent = messageStatut(donnees, q);
    if (qCache) {
      qCache.value = q;
    }
  }

  function rechercher() {
    var q = champ.value.trim();
    if (q === derniere) {
      return;
    }
    derniere = q;
    if (controleur) {
      controleur.abort();
      controleur = null;
    }
    if (q.length < LONGUEUR_MIN) {
      vider(liste);
      zone.hidden = true;
      statut.textContent = q.length ? "Saisissez au moins 2 caractères." : "";
      return;
    }
    controleur = window.AbortController ? new AbortController() : null;
    var parametres = new URLSearchParams({ q: q });
    fetch(url + "?" + parametres.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controleur ? controleur.signal : undefined
    })
      .then(function (reponse) {
        if (!reponse.ok) {
          throw new Error("HTTP " + reponse.status);
        }
        return reponse.json();
      })
      .then(function (donnees) {
        if (q === champ.value.trim()) {
          afficher(donnees, q);
        }
      })
      .catch(function (erreur) {
        if (erreur && erreur.name === "AbortError") {
          return;
        }
        derniere = null;
        statut.textContent = "La recherche instantanée est indisponible : utilisez le bouton « Rechercher ».";
      });
  }

  champ.addEventListener("input", function () {
    window.clearTimeout(minuterie);
    minuterie = window.setTimeout(rechercher, DELAI_MS);
  });
})();
