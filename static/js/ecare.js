/* eCaRE — small enhancements common to every page (loaded by base.html, after DSFR's script).
 *
 * 1. The header menu (a DSFR modal on small screens) is named by its opening button only while it is a
 *    dialog: DSFR gives it role="dialog" when it opens and takes it back when it closes. In the static
 *    markup the element is a plain div, on which aria-labelledby is invalid HTML (Nu HTML Checker).
 * 2. Large uploads show their progress (issue 23): a multipart form whose files weigh more than 1 Mo posts
 *    through XMLHttpRequest so that a progress bar follows the upload, the page stays usable. The server's
 *    answer (the redirect followed, with its message, or the page with the form's errors) then takes the
 *    place of the page's content; DSFR's engine watches the DOM and sets the new components up. Without
 *    JavaScript, or below 1 Mo, the form posts normally.
 */
(function () {
  "use strict";

  function nommerLeMenu() {
    var menu = document.getElementById("menu-mobile");
    if (!menu) { return; }
    menu.addEventListener("dsfr.disclose", function () {
      menu.setAttribute("aria-labelledby", "bouton-menu-mobile");
    });
    menu.addEventListener("dsfr.conceal", function () {
      menu.removeAttribute("aria-labelledby");
    });
  }

  function octets(n) {
    if (n >= 1048576) { return (n / 1048576).toLocaleString("fr-FR", {maximumFractionDigits: 1}) + "\u00a0Mo"; }
    return Math.max(1, Math.round(n / 1024)).toLocaleString("fr-FR") + "\u00a0ko";
  }

  function taille(form) {
    var total = 0;
    form.querySelectorAll("input[type=file]").forEach(function (champ) {
      Array.prototype.forEach.call(champ.files || [], function (f) { total += f.size; });
    });
    return total;
  }

  function suivreLeTeleversement(form) {
    var seuil = parseInt(form.getAttribute("data-televersement") || "1048576", 10);
    form.addEventListener("submit", function (evenement) {
      var bouton = evenement.submitter;
      if (!window.XMLHttpRequest || !window.FormData || taille(form) < seuil) { return; }
      evenement.preventDefault();
      var donnees = new FormData(form);
      if (bouton && bouton.name) { donnees.append(bouton.name, bouton.value); }
      var zone = form.querySelector(".ecare-televersement");
      if (!zone) {
        zone = document.createElement("div");
        zone.className = "ecare-televersement fr-mt-2w";
        form.appendChild(zone);
      }
      zone.innerHTML = "";
      var libelle = document.createElement("p");
      libelle.className = "fr-text--sm fr-mb-1v";
      libelle.id = "televersement-" + Math.random().toString(36).slice(2);
      libelle.setAttribute("role", "status");
      libelle.textContent = "Envoi en cours…";
      var barre = document.createElement("progress");
      barre.max = 100;
      barre.value = 0;
      barre.className = "ecare-progression";
      barre.setAttribute("aria-labelledby", libelle.id);
      zone.appendChild(libelle);
      zone.appendChild(barre);
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
      form.setAttribute("aria-busy", "true");

      var xhr = new XMLHttpRequest();
      xhr.open((form.getAttribute("method") || "post").toUpperCase(), form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      var dernierePart = -1;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var part = Math.floor(e.loaded * 100 / e.total);
        barre.value = Math.max(part, 1);
        // the text (a live region) changes at the first step, then every 10 %, not to flood screen readers
        if (dernierePart < 0 || part - dernierePart >= 10 || (part === 100 && dernierePart !== 100)) {
          dernierePart = part;
          libelle.textContent = part >= 100
            ? "Fichier reçu, vérification en cours…"
            : "Envoi en cours : " + part + "\u00a0% (" + octets(e.loaded) + " sur " + octets(e.total) + ")";
        }
      });
      xhr.addEventListener("load", function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (type.indexOf("text/html") !== 0) {
          window.location.assign(xhr.responseURL || window.location.href);
          return;
        }
        var nouveau = new DOMParser().parseFromString(xhr.responseText, "text/html");
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.history.pushState(null, "", xhr.responseURL);
        }
        document.title = nouveau.title;
        nouveau.body.querySelectorAll("script").forEach(function (s) { s.remove(); });
        document.body.replaceChildren.apply(document.body, Array.prototype.slice.call(nouveau.body.childNodes));
        demarrer();
        var cible = document.querySelector("main .fr-alert, main h1") || document.querySelector("main");
        if (cible) {
          if (!cible.hasAttribute("tabindex")) { cible.setAttribute("tabindex", "-1"); }
          cible.focus();
        }
      });
      xhr.addEventListener("error", function () {
        libelle.textContent = "L'envoi a été interrompu (connexion perdue). Le fichier n'a pas été enregistré : réessayez.";
        form.removeAttribute("aria-busy");
        form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; });
      });
      xhr.send(donnees);
    });
  }

  function tablesDefilables() {
    // the box that scrolls is DSFR's container (overflow: auto), once the wrapper is held to the page's width
    document.querySelectorAll(".fr-table__container").forEach(function (boite) {
      if (boite.scrollWidth > boite.clientWidth + 1) {
        var legende = boite.querySelector("caption");
        boite.setAttribute("tabindex", "0");
        boite.setAttribute("role", "region");
        boite.setAttribute("aria-label", (legende ? legende.textContent.trim() : "Tableau") + " (défilement horizontal)");
      } else if (boite.getAttribute("role") === "region") {
        boite.removeAttribute("tabindex");
        boite.removeAttribute("role");
        boite.removeAttribute("aria-label");
      }
    });
  }

  function demarrer() {
    nommerLeMenu();
    tablesDefilables();
    document.querySelectorAll("form[enctype='multipart/form-data']").forEach(suivreLeTeleversement);
  }

  var attente;
  window.addEventListener("load", tablesDefilables);  // after DSFR has wrapped the tables it builds itself
  window.addEventListener("resize", function () {
    window.clearTimeout(attente);
    attente = window.setTimeout(tablesDefilables, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", demarrer);
  } else {
    demarrer();
  }
})();
