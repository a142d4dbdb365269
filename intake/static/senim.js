/* Senim's page helpers, shared by every screen. No framework, nothing from the internet.
   - keep-alive: while someone types, the session is pinged so a long call is not signed out;
   - drafts: a form with data-draft="name" is saved in this browser as it is typed (per user, sealed),
     and comes back after a refresh, a closed tab or a dropped connection; a page that confirms a save
     carries data-draft-clear="name" and removes it; Senim.draftsReady resolves once drafts are back;
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
  // A draft holds what a caller said before it is saved, so it is sealed with AES-GCM under a key
  // that only this user's pages carry (<meta name="draft-key">): on a shared computer the browser's
  // storage shows the next person nothing. Where the browser offers no Web Crypto (plain HTTP to
  // another host), a draft lives only in this tab (sessionStorage). Drafts older than a shift are
  // dropped, and signing out deletes the user's drafts.
  var DRAFT_PREFIX = "senim:draft:", DRAFT_HOURS = 12;
  function draftKey(name) { return DRAFT_PREFIX + (document.body.dataset.user || "anon") + ":" + name; }
  Senim.draftKey = draftKey;

  function bytes(base64) { return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); }); }
  function base64(buffer) { return btoa(String.fromCharCode.apply(null, new Uint8Array(buffer))); }

  var keepingDrafts = true;  // false once signing out: no late save may write a draft back
  var sealingKey = null;
  function draftSealingKey() {
    if (!sealingKey) {
      var meta = document.querySelector('meta[name="draft-key"]');
      sealingKey = (meta && window.crypto && window.crypto.subtle)
        ? crypto.subtle.importKey("raw", bytes(meta.content), "AES-GCM", false, ["encrypt", "decrypt"])
            .catch(function () { return null; })
        : Promise.resolve(null);
    }
    return sealingKey;
  }
  function draftStorage(key) { return key ? localStorage : sessionStorage; }
  function forgetDraft(storageKey) {
    [localStorage, sessionStorage].forEach(function (storage) {
      try { storage.removeItem(storageKey); } catch (e) { /* storage disabled */ }
    });
  }
  function isStale(stored) {
    var saved = stored && Date.parse(stored.saved_at);
    return !saved || Date.now() - saved > DRAFT_HOURS * 3600 * 1000;
  }
  function userDraftKeys(storage, user) {
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      var k = storage.key(i);
      if (k && k.indexOf(DRAFT_PREFIX + (user === undefined ? "" : user + ":")) === 0) keys.push(k);
    }
    return keys;
  }
  Senim.userDrafts = function () {
    var user = document.body.dataset.user || "anon";
    return userDraftKeys(localStorage, user).concat(userDraftKeys(sessionStorage, user));
  };

  function sealDraft(fields) {
    return draftSealingKey().then(function (key) {
      var record = {saved_at: new Date().toISOString()};
      if (!key) { record.fields = fields; return [key, record]; }
      var iv = crypto.getRandomValues(new Uint8Array(12));
      return crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, key, new TextEncoder().encode(JSON.stringify(fields)))
        .then(function (sealed) { record.iv = base64(iv); record.sealed = base64(sealed); return [key, record]; });
    });
  }
  function openDraft(storageKey) {
    return draftSealingKey().then(function (key) {
      var stored = null;
      try { stored = JSON.parse(draftStorage(key).getItem(storageKey) || "null"); } catch (e) { stored = null; }
      if (!stored) return null;
      if (isStale(stored)) { forgetDraft(storageKey); return null; }
      if (!key) return stored.fields ? stored : null;
      if (!stored.sealed) return null;
      return crypto.subtle.decrypt({name: "AES-GCM", iv: bytes(stored.iv)}, key, bytes(stored.sealed))
        .then(function (plain) { return {saved_at: stored.saved_at, fields: JSON.parse(new TextDecoder().decode(plain))}; })
        .catch(function () { return null; });  // sealed under another key: not this user's to read
    });
  }

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

  // Resolves once every draft on the page is back: page scripts (consultant.js) start from the
  // form as it then stands.
  function setupDraft(form) {
    var name = form.dataset.draft, storageKey = draftKey(name), timer = null, typed = false, writes = 0;
    var notice = form.querySelector("[data-draft-notice]");
    function save() {
      var write = ++writes;
      return sealDraft(readForm(form)).then(function (sealed) {
        if (write !== writes || !keepingDrafts) return;  // a later save overtook this one, or signing out
        try { draftStorage(sealed[0]).setItem(storageKey, JSON.stringify(sealed[1])); } catch (e) { /* storage full or disabled */ }
      });
    }
    function soon() { typed = true; clearTimeout(timer); timer = setTimeout(save, 300); }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    window.addEventListener("pagehide", function () { if (typed) save(); });
    var discard = form.querySelector("[data-draft-discard]");
    if (discard) discard.addEventListener("click", function () {
      clearTimeout(timer); writes++; typed = false;
      forgetDraft(storageKey);
      form.reset();
      if (notice) notice.hidden = true;
      form.dispatchEvent(new CustomEvent("senim:draft-discarded"));
    });
    // A form the server sent back with errors already holds what was typed; otherwise restore.
    if (form.dataset.draftRestore === "never") return Promise.resolve();
    return openDraft(storageKey).then(function (stored) {
      if (!stored || !stored.fields) return;
      fillForm(form, stored.fields);
      typed = true;
      if (notice) {
        notice.hidden = false;
        var when = notice.querySelector("[data-draft-time]");
        if (when) when.textContent = new Date(stored.saved_at).toLocaleTimeString(document.documentElement.lang);
      }
      form.dispatchEvent(new CustomEvent("senim:draft-restored"));
    });
  }

  function dropStaleDrafts() {  // anyone's: a shared computer keeps no old drafts
    userDraftKeys(localStorage).forEach(function (k) {
      var stored = null;
      try { stored = JSON.parse(localStorage.getItem(k) || "null"); } catch (e) { stored = null; }
      if (isStale(stored)) forgetDraft(k);
    });
  }

  function confirmSignOut(form) {
    form.addEventListener("submit", function (event) {
      var drafts = Senim.userDrafts();
      if (drafts.length && !window.confirm(form.dataset.signOut)) { event.preventDefault(); return; }
      keepingDrafts = false;
      drafts.forEach(forgetDraft);
    });
  }

  var draftsBack;
  Senim.draftsReady = new Promise(function (resolve) { draftsBack = resolve; });

  document.addEventListener("DOMContentLoaded", function () {
    try { dropStaleDrafts(); } catch (e) { /* storage disabled */ }
    Array.prototype.forEach.call(document.querySelectorAll("[data-draft-clear]"), function (el) {
      el.dataset.draftClear.split(",").forEach(function (name) { forgetDraft(draftKey(name.trim())); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sign-out]"), confirmSignOut);
    var restoring = Array.prototype.map.call(document.querySelectorAll("form[data-draft]"), function (form) {
      return setupDraft(form).catch(function () { /* an unreadable draft is no draft */ });
    });
    Promise.all(restoring).then(function () { draftsBack(); });
    var summary = document.querySelector("[data-focus]");
    if (summary) summary.focus();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
