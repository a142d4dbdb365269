/* Senim's page helpers, shared by every screen. No framework, nothing from the internet.
   - keep-alive: while someone types, the session is pinged so a long call is not signed out;
   - drafts: a form with data-draft="name" is saved in this browser as it is typed (per user), and
     comes back after a refresh, a closed tab or a dropped connection; a page that confirms a save
     carries data-draft-clear="name" and removes it;
   - an error summary takes the focus, so keyboard and screen-reader users land on what to fix. */
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  window.Senim = window.Senim || {};
  Senim.csrfToken = csrfToken;
  Senim.postJSON = function (url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    });
  };

  // ---- keep-alive --------------------------------------------------------------------------
  var lastActivity = 0, lastPing = Date.now();
  function noteActivity() { lastActivity = Date.now(); }
  ["input", "keydown", "click"].forEach(function (type) { document.addEventListener(type, noteActivity, true); });
  setInterval(function () {
    var url = document.body && document.body.dataset.keepalive;
    if (!url || !document.body.dataset.user) return;
    if (lastActivity > lastPing && Date.now() - lastPing > 60000) {
      lastPing = Date.now();
      Senim.postJSON(url, {}).catch(function () { /* offline: the draft keeps what is typed */ });
    }
  }, 15000);

  // ---- drafts ------------------------------------------------------------------------------
  function draftKey(name) { return "senim:draft:" + (document.body.dataset.user || "anon") + ":" + name; }
  Senim.draftKey = draftKey;

  function readForm(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "password" || el.type === "submit" || el.type === "button") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) (data[el.name] = data[el.name] || []).push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      } else {
        data[el.name] = [el.value];
      }
    });
    return data;
  }

  function fillForm(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "password" || !(el.name in data)) return;
      var values = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
      } else {
        el.value = values[0];
      }
      el.dispatchEvent(new Event("change", {bubbles: true}));
    });
    // Unchecked boxes are absent from a draft: clear the ones the draft does not name.
    Array.prototype.forEach.call(form.querySelectorAll('input[type=checkbox]'), function (el) {
      if (el.name && !(el.name in data)) el.checked = false;
    });
  }

  function setupDraft(form) {
    var name = form.dataset.draft, key = draftKey(name), timer = null;
    var notice = form.querySelector("[data-draft-notice]");
    function save() {
      try {
        localStorage.setItem(key, JSON.stringify({saved_at: new Date().toISOString(), fields: readForm(form)}));
      } catch (e) { /* storage full or disabled: nothing else to do */ }
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
    window.addEventListener("pagehide", save);
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    // A form the server sent back with errors already holds what was typed; otherwise restore.
    if (stored && stored.fields && form.dataset.draftRestore !== "never") {
      fillForm(form, stored.fields);
      if (notice) {
        notice.hidden = false;
        var when = notice.querySelector("[data-draft-time]");
        if (when) when.textContent = new Date(stored.saved_at).toLocaleTimeString(document.documentElement.lang);
      }
      form.dispatchEvent(new CustomEvent("senim:draft-restored"));
    }
    var discard = form.querySelector("[data-draft-discard]");
    if (discard) discard.addEventListener("click", function () {
      localStorage.removeItem(key);
      form.reset();
      if (notice) notice.hidden = true;
      form.dispatchEvent(new CustomEvent("senim:draft-discarded"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-draft-clear]"), function (el) {
      el.dataset.draftClear.split(",").forEach(function (name) { localStorage.removeItem(draftKey(name.trim())); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), setupDraft);
    var summary = document.querySelector("[data-focus]");
    if (summary) summary.focus();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
