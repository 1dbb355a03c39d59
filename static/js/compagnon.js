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
    p.setAttribute("tabindex", "-1");
    p.textContent = message;
    region.appendChild(p);
    // The message is at the top of the page: bring it, and the focus, to the person.
    p.focus();
  }

  // A form sent back with errors: the summary takes the focus, so that its message is
  // read and its links lead to each field.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("main .alert--error[role=alert]");
    if (summary && !document.querySelector("[autofocus]")) summary.focus();
  });

  // A failed htmx request must not fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      announce("Vous n’avez pas accès à cette action.");
    } else if (status === 413) {
      announce("L’envoi dépasse 20 Mo en tout : retirez un fichier ou choisissez-en de plus légers, puis réessayez.");
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

  // Content that asks for the focus after a swap (a reply just published, the
  // « Merci » button just pressed) gets it, once.
  document.addEventListener("htmx:afterSettle", function () {
    var wanted = document.querySelector("[data-focus-after-swap]");
    if (!wanted) return;
    wanted.removeAttribute("data-focus-after-swap");
    if (!wanted.hasAttribute("tabindex") && !wanted.matches("button, a, input, textarea, select")) {
      wanted.setAttribute("tabindex", "-1");
    }
    wanted.focus({ preventScroll: false });
  });

  // When a swap removes the focused element, put focus on the new content
  // instead of letting it fall back to the top of the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (document.querySelector("[data-focus-after-swap]")) return;
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

  // « @ » in a message box: suggest people, insert the chosen name. Without
  // JavaScript, typing « @Prénom Nom » in full mentions the person all the same.
  function mentionTyped(box) {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(?:^|[\s(])@([^\s@][^@\n]{0,40})$/.exec(before);
    if (!match || /\s$/.test(match[1]) || match[1].split(" ").length > 4) return null;
    return { text: match[1], start: before.length - match[1].length - 1 };
  }
  function suggestionsOf(box) {
    return document.getElementById(box.getAttribute("data-mentions-target"));
  }
  function closeSuggestions(list) {
    if (!list) return;
    list.hidden = true;
    list.innerHTML = "";
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-mentions]")) return;
    var list = suggestionsOf(box);
    var typed = mentionTyped(box);
    window.clearTimeout(box.mentionTimer);
    if (!typed || typed.text.length < 2 || !window.htmx) {
      closeSuggestions(list);
      return;
    }
    box.mentionTimer = window.setTimeout(function () {
      var url = box.getAttribute("data-mentions");
      url += (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(typed.text);
      window.htmx.ajax("GET", url, { target: list, swap: "innerHTML" }).then(function () {
        list.hidden = !list.textContent.trim();
      });
    }, 250);
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-mention]");
    if (!option) return;
    var list = option.closest(".mentions");
    var box = document.querySelector('[data-mentions-target="' + list.id + '"]');
    var typed = box && mentionTyped(box);
    if (!typed) { closeSuggestions(list); return; }
    var name = "@" + option.getAttribute("data-mention") + " ";
    box.value = box.value.slice(0, typed.start) + name + box.value.slice(box.selectionStart);
    var caret = typed.start + name.length;
    box.focus();
    box.setSelectionRange(caret, caret);
    closeSuggestions(list);
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.matches && target.matches("textarea[data-mentions]")) {
      var list = suggestionsOf(target);
      if (event.key === "ArrowDown" && list && !list.hidden) {
        var first = list.querySelector("[data-mention]");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape" && list && !list.hidden) {
        closeSuggestions(list);
      }
      return;
    }
    var option = target.closest && target.closest("[data-mention]");
    if (!option) return;
    var options = Array.prototype.slice.call(option.closest(".mentions").querySelectorAll("[data-mention]"));
    var index = options.indexOf(option);
    if (event.key === "ArrowDown" && index < options.length - 1) {
      event.preventDefault(); options[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index > 0) { options[index - 1].focus(); }
      else { document.querySelector('[data-mentions-target="' + option.closest(".mentions").id + '"]').focus(); }
    } else if (event.key === "Escape") {
      var owner = option.closest(".mentions");
      document.querySelector('[data-mentions-target="' + owner.id + '"]').focus();
      closeSuggestions(owner);
    }
  });
})();
