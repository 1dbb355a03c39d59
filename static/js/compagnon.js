// Compagnon's only script: small accessibility helpers around htmx swaps.
// No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  function announce(message) {
    var region = document.getElementById("flashes");
    if (!region) return;
    region.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash--error";
    p.textContent = message;
    region.appendChild(p);
  }

  // A failed htmx request must not fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      announce("Vous n’avez pas accès à cette action.");
    } else if (status === 400) {
      announce("Le formulaire a expiré : rechargez la page puis recommencez.");
    } else {
      announce("L’action n’a pas abouti (erreur " + status + "). Réessayez dans un instant.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    announce("Connexion au serveur impossible. Vérifiez votre réseau puis réessayez.");
  });

  // A form sent the ordinary way cannot be sent twice by a double click.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    window.setTimeout(function () {
      if (event.defaultPrevented) return; // htmx sends it itself and swaps the result
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // Coming back with the browser's back button: buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });

  // When a swap removes the focused element, put focus on the new content
  // instead of letting it fall back to the top of the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (document.activeElement && document.activeElement !== document.body) return;
    var target = event.detail.elt;
    if (target && target.id) {
      var fresh = document.getElementById(target.id);
      if (fresh) {
        if (!fresh.hasAttribute("tabindex")) fresh.setAttribute("tabindex", "-1");
        fresh.focus({ preventScroll: true });
      }
    }
  });
})();
