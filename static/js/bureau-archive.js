/*
 * The ZIP archive's page (bureau:actions_archive): follow the preparation (progressive enhancement).
 *
 * Without JavaScript the page offers an « Actualiser maintenant » link. With it, the page asks the JSON of
 * bureau:actions_archive_etat every 2 seconds and updates the progress bar and its sentence; the state
 * (role="status") changes only when the state does, so a screen reader hears « En préparation », then
 * « Prête », not every count. Once the archive is ready or has failed, the page reloads to show the link.
 */
(function () {
  "use strict";

  var zone = document.getElementById("archive-avancement");
  if (!zone || !window.fetch) {
    return;
  }
  var url = zone.getAttribute("data-url");
  if (!url) {
    return;
  }
  var statut = document.getElementById("archive-statut");
  var message = document.getElementById("archive-message");
  var barre = document.getElementById("archive-barre");
  var DELAI_MS = 2000;
  var essais = 0;

  function suivre() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (reponse) {
        if (!reponse.ok) {
          throw new Error("HTTP " + reponse.status);
        }
        return reponse.json();
      })
      .then(function (etat) {
        essais = 0;
        barre.value = etat.pourcentage;
        barre.textContent = etat.pourcentage + " %";
        if (message.textContent !== etat.message) {
          message.textContent = etat.message;
        }
        if (statut.textContent !== etat.libelle) {
          statut.textContent = etat.libelle;
        }
        if (etat.termine || etat.telechargeable) {
          window.location.reload();
        } else {
          window.setTimeout(suivre, DELAI_MS);
        }
      })
      .catch(function () {
        essais += 1;
        window.setTimeout(suivre, Math.min(30000, DELAI_MS * Math.pow(2, essais)));
      });
  }

  window.setTimeout(suivre, DELAI_MS);
}());
