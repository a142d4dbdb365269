/* The consultant's pages: the call timer, the danger panel, the live level of the risk checklist,
   the repeat-caller check, and choices one key away. Nothing here is needed to save a call: without
   scripts the form still works, only less quickly.

   Starts once senim.js has brought a draft back (Senim.draftsReady), so everything below is computed
   from the form as it then stands. The only focus moved on load is to the "answer" button of a call
   not answered yet: one key answers it (or records a contact without data). */
(function () {
  "use strict";

  function one(selector, root) { return (root || document).querySelector(selector); }
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function json(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_, key) { return values[key] == null ? "" : values[key]; });
  }
  function changed(el) { el.dispatchEvent(new Event("change", {bubbles: true})); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
  }
  function say(region, text) {
    if (!region) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);  // a fresh text is announced again
  }

  // A datetime-local value is a wall-clock time in Kazakhstan; offset: minutes east of UTC.
  function parseLocal(value, offset) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || "");
    if (!m) return null;
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) - offset * 60000);
  }
  function localValue(date, offset) { return new Date(date.getTime() + offset * 60000).toISOString().slice(0, 19); }
  function localClock(date, offset) {
    var d = new Date(date.getTime() + offset * 60000);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  // ---- choices one key away --------------------------------------------------------------------
  // In a group of choices, the digits pick the choice with that digit; in a group of ten or more, a
  // second digit typed quickly after 1 picks 10 to 19 instead (the 1 is undone). In the risk checklist the
  // focus then moves to the next question. Only without Alt/Ctrl/Meta: those belong to the browser and
  // the layout switch. The digit is read from the key's place too, so the Kazakh layout (letters on the
  // digit row) picks choices as well.
  var TWO_DIGITS_MS = 800, lastDigit = null;
  function digitOf(event) {
    if (/^[0-9]$/.test(event.key)) return +event.key;
    var m = /^(?:Digit|Numpad)([0-9])$/.exec(event.code || "");
    return m ? +m[1] : null;
  }
  function isChoice(el) { return el && el.tagName === "INPUT" && (el.type === "radio" || el.type === "checkbox"); }
  function pick(input) {
    var before = input.type === "radio" ? all("input[name='" + input.name + "']:checked")[0] || null : input.checked;
    input.checked = input.type === "radio" ? true : !input.checked;
    input.focus();
    changed(input);
    return before;
  }
  function undo(last) {
    if (last.input.type === "radio") {
      if (last.before) { last.before.checked = true; changed(last.before); } else { last.input.checked = false; changed(last.input); }
    } else { last.input.checked = last.before; changed(last.input); }
  }
  function onDigit(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var digit = digitOf(event), target = event.target;
    if (digit === null || !isChoice(target)) return;
    var group = target.closest("[data-choices]");
    if (!group) return;
    var inputs = all("input[type=radio], input[type=checkbox]", group), now = Date.now();
    var last = lastDigit;
    lastDigit = null;
    if (last && last.group === group && last.digit === 1 && now - last.at < TWO_DIGITS_MS && inputs[9 + digit]) {
      event.preventDefault();
      undo(last);
      pick(inputs[9 + digit]);
      return;
    }
    var input = digit > 0 ? inputs[digit - 1] : null;
    if (!input) { if (digit === 0 && inputs.length > 9) event.preventDefault(); return; }
    event.preventDefault();
    lastDigit = {group: group, digit: digit, at: now, input: input, before: pick(input)};
    if (group.classList.contains("checklist-item")) {
      var items = all(".checklist-item");
      var next = items[items.indexOf(group) + 1];
      if (next) (one("input:checked", next) || one("input", next)).focus();
    }
  }

  // ---- parts of the form one key away ------------------------------------------------------------
  // Outside a text field, a letter key (by its place on the keyboard, so any layout) jumps to a part.
  function isTextEntry(el) {
    if (!el || !el.tagName) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && !/^(radio|checkbox|button|submit|reset|hidden)$/.test(el.type);
  }
  function sectionTarget(form, hash) {
    if (hash === "#who") return form.elements.caller_phone;
    if (hash === "#save") return document.getElementById("save-end");
    if (hash === "#checklist") {
      var details = document.getElementById("checklist-details");
      if (details) details.open = true;
      var items = all(".checklist-item", form), open = items.filter(function (item) { return !one("input:checked", item); })[0];
      return open ? one("input", open) : items[0] && one("input", items[0]);
    }
    var section = one(hash, form);
    return section && (one("input:checked", section) || one("input, textarea, select", section));
  }
  function onSectionKey(event, form) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || isTextEntry(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var link = one(".form-parts a[data-section-key='" + event.code + "']", form);
    if (!link) return;
    var target = sectionTarget(form, link.getAttribute("href"));
    if (!target) return;
    event.preventDefault();
    target.focus();
  }
  // Esc in a text field leaves it for its part of the form, where the part keys work again.
  function onEscape(event) {
    if (event.key !== "Escape" || !isTextEntry(event.target)) return;
    var section = event.target.closest(".form-part");
    if (section) { event.preventDefault(); section.focus(); }
  }

  // Arrow keys move between the boxes of a group, as they do between round choices.
  function onArrow(event) {
    var target = event.target, step = {ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1}[event.key];
    if (!step || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!target || target.tagName !== "INPUT" || target.type !== "checkbox") return;
    var group = target.closest("[data-choices]");
    if (!group) return;
    var boxes = all("input[type=checkbox]", group), next = boxes[boxes.indexOf(target) + step];
    if (next) { event.preventDefault(); next.focus(); }
  }

  // A group of boxes is one stop of Tab, as a group of round choices is: Tab leaves the group, the
  // arrows and digits move within it (the box last focused is where Tab comes back to).
  function oneTabStop(group) {
    var boxes = all("input[type=checkbox]", group);
    if (boxes.length < 2) return;
    function stop(at) { boxes.forEach(function (box) { box.tabIndex = box === at ? 0 : -1; }); }
    stop(boxes.filter(function (box) { return box.checked; })[0] || boxes[0]);
    group.addEventListener("focusin", function (event) { if (boxes.indexOf(event.target) !== -1) stop(event.target); });
  }

  // Enter in a one-line field must not save a call by accident.
  function onEnter(event) {
    var t = event.target;
    if (event.key === "Enter" && t.tagName === "INPUT" && t.type !== "submit" && t.type !== "button") {
      event.preventDefault();
    }
  }

  // ---- timers ----------------------------------------------------------------------------------
  function startTimer(display, startOf) {
    function tick() {
      var start = startOf();
      display.textContent = start ? clock((Date.now() - start.getTime()) / 1000) : clock(0);  // not answered yet
    }
    tick();
    setInterval(tick, 1000);
  }

  // ---- the new-contact form --------------------------------------------------------------------
  function setUpCallForm(form) {
    var text = json("consultant-messages") || {};
    var offset = +(form.dataset.utcOffset || 300);
    var startInput = form.elements.started_at;
    var startText = document.getElementById("call-start-text");

    function start() { return parseLocal(startInput && startInput.value, offset); }
    var timer = document.getElementById("call-timer");
    if (timer) startTimer(timer, function () { return start(); });
    function showStart() {
      var s = start();
      if (startText) startText.textContent = s ? localClock(s, offset) : "—";
    }
    if (startInput) { startInput.addEventListener("input", showStart); startInput.addEventListener("change", showStart); }
    showStart();

    // -- answering: the call's time starts with the answer key or the first key in the form, never
    //    when the page opened (a form left open between calls is not a call) --
    var answerBar = document.getElementById("answer-bar");
    var answerButton = document.getElementById("answer");
    var quickLine = document.getElementById("quick-save-line");
    var statusRegion = document.getElementById("danger-announcer");
    function answered() { return !!(startInput && startInput.value); }
    function answer(event) {
      if (!startInput || answered()) return;
      startInput.value = localValue(new Date(), offset);
      changed(startInput);
      showStart();
      // Answered by a key elsewhere in the form: the answer bar has done its work.
      if (event && answerBar && !answerBar.contains(event.target)) answerBar.hidden = true;
    }
    function showAnswerBar() {
      if (!answerBar) return;
      answerBar.hidden = answered();
      if (quickLine) quickLine.hidden = true;
      if (!answerBar.hidden && answerButton && !document.querySelector("[data-focus]")) answerButton.focus();
    }
    function closeAnswerBar(focusPhone) {
      if (answerBar) answerBar.hidden = true;
      if (focusPhone && form.elements.caller_phone) form.elements.caller_phone.focus();
    }
    var PURE = /^(Shift|Control|Alt|Meta|CapsLock|Tab|NumLock|ScrollLock|Fn|OS|AltGraph)$/;
    form.addEventListener("keydown", function (event) { if (!PURE.test(event.key)) answer(event); });
    form.addEventListener("input", function (event) { if (event.target !== startInput) answer(event); });
    form.addEventListener("click", function (event) { if (isChoice(event.target)) answer(event); });
    if (answerButton) {
      answerButton.addEventListener("click", function () { answer(); say(statusRegion, text.answered); closeAnswerBar(true); });
      answerButton.addEventListener("keydown", function (event) {
        var digit = digitOf(event);
        if (digit === null || event.altKey || event.ctrlKey || event.metaKey) return;
        var type = all("input[name=contact_type]", form)[digit - 1];
        if (!type) return;
        event.preventDefault();
        answer();
        type.checked = true; changed(type);
        var quick = one(".quick-types li[data-type='" + type.value + "']", answerBar);
        if (!quick || !quickLine) { closeAnswerBar(true); return; }
        document.getElementById("quick-save-type").textContent = one("span", type.closest("label")).textContent;
        quickLine.hidden = false;
        document.getElementById("quick-save").focus();
      });
    }
    var quickSave = document.getElementById("quick-save");
    if (quickSave) quickSave.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); closeAnswerBar(true); }
    });
    showAnswerBar();

    // A name or an address brought back with a draft is shown, not left folded away.
    var personal = one("details.personal", form);
    if (personal && ((form.elements.caller_name || {}).value || (form.elements.caller_address || {}).value)) personal.open = true;

    // -- wording follows the channel: a call, a written conversation or a visit --
    var kinds = {};
    try { kinds = JSON.parse(form.dataset.channelKinds || "{}"); } catch (e) { kinds = {}; }
    function showKind() {
      var channel = one("input[name=channel]:checked", form);
      form.dataset.channelKind = kinds[channel ? channel.value : "phone"] || "text";
    }
    all("input[name=channel]", form).forEach(function (el) { el.addEventListener("change", showKind); });
    showKind();

    // A discarded draft is a new call, not answered yet.
    form.addEventListener("senim:draft-discarded", function () {
      if (startInput) startInput.value = "";
      showStart(); showKind(); updateDanger(false); updateReferral(); updateChecklist(); showAnswerBar();
      var history = document.getElementById("caller-history");
      if (history) history.textContent = "";
    });

    // A silent or dropped call has no known caller: the role becomes unknown unless one was chosen.
    var types = one("[data-unknown-caller]", form);
    if (types) types.addEventListener("change", function (event) {
      var codes = types.dataset.unknownCaller.split(" ");
      if (codes.indexOf(event.target.value) !== -1 && !one("input[name=caller_role]:checked", form)) {
        choose("caller_role", "unknown");
      }
    });

    // -- danger --
    var flagsGroup = one("[data-danger-flags]", form);
    var panel = document.getElementById("danger-panel");
    var announcer = document.getElementById("danger-announcer");
    var dangerCodes = flagsGroup ? flagsGroup.dataset.dangerFlags.split(" ") : [];
    function activeFlags() {
      return all("input[name=risk]:checked", form).map(function (el) { return el.value; })
        .filter(function (code) { return dangerCodes.indexOf(code) !== -1; });
    }
    function updateDanger(byUser) {
      if (!panel) return;
      var wasHidden = panel.hidden;
      panel.hidden = activeFlags().length === 0;
      // Announced, never focused: the next flag's key must land on the flags (6 then 7 ticks both).
      if (byUser && wasHidden && !panel.hidden) say(announcer, text.danger_shown);
    }
    if (flagsGroup) flagsGroup.addEventListener("change", function () { updateDanger(true); });
    updateDanger(false);

    // Ticking a step of the safety plan records that a safety plan was made.
    all("input[name=safety_step]", form).forEach(function (box) {
      box.addEventListener("change", function () {
        var outcome = one("input[name=outcome][value=safety_planning]", form);
        if (box.checked && outcome && !outcome.checked) {
          outcome.checked = true; changed(outcome); say(announcer, text.safety_outcome);
        }
      });
    });

    // -- referral --
    var makeReferral = form.elements.make_referral;
    var referralFields = document.getElementById("referral-fields");
    function updateReferral() {
      if (makeReferral && referralFields) referralFields.hidden = !makeReferral.checked;
    }
    if (makeReferral) makeReferral.addEventListener("change", updateReferral);
    updateReferral();

    function choose(name, value) {
      var input = one("input[name=" + name + "][value=" + value + "]", form);
      if (input && !input.checked) { input.checked = true; changed(input); }
    }
    var urgent = document.getElementById("urgent-referral");
    if (urgent) urgent.addEventListener("click", function () {
      var flags = activeFlags();
      var has = function (code) { return flags.indexOf(code) !== -1; };
      var police = has("immediate_danger") || has("weapon") || has("threats_to_kill") || has("strangulation");
      var emergency = has("immediate_danger") || has("weapon") || has("suicidal_ideation");
      makeReferral.checked = true; changed(makeReferral); updateReferral();
      choose("referral_target", police ? "police" : "crisis_centre");
      choose("referral_urgency", emergency ? "emergency" : "urgent");
      choose("outcome", "referral_made");
      var reason = form.elements.referral_reason;
      if (reason && !reason.value.trim()) {
        var labels = all("input[name=risk]:checked", form).map(function (el) {
          var span = one("span", el.closest("label")); return span ? span.textContent.trim() : el.value;
        });
        reason.value = fill(text.referral_reason, {flags: labels.join(", ")});
        changed(reason);
      }
      var consentYes = one("input[name=consent_services][value=yes]", form);
      if (consentYes && !consentYes.checked) {
        say(announcer, text.referral_filled + " " + text.ask_consent);
        consentYes.focus();
      } else {
        say(announcer, text.referral_filled);
        if (reason) reason.focus();
      }
    });

    // -- risk checklist: the level as answers come, by the same bands as the server --
    var scoring = json("checklist-data");
    var result = document.getElementById("checklist-result");
    var short = document.getElementById("checklist-short");
    function band(points) {
      for (var i = 0; i < scoring.levels.length; i++) {
        var level = scoring.levels[i];
        if (level.min <= points && points <= level.max) return level;
      }
      return scoring.levels[scoring.levels.length - 1];
    }
    function updateChecklist() {
      if (!scoring || !result) return;
      var counts = {yes: 0, no: 0, unknown: 0};
      scoring.items.forEach(function (id) {
        var checked = one("input[name='vr-" + id + "']:checked", form);
        if (checked && counts.hasOwnProperty(checked.value)) counts[checked.value] += 1;
      });
      var open = scoring.items.length - counts.yes - counts.no - counts.unknown;
      result.textContent = "";
      if (counts.yes + counts.no + counts.unknown === 0) {
        result.textContent = text.nothing_yet;
        if (short) short.textContent = "";
        return;
      }
      var now = band(counts.yes), highest = band(counts.yes + counts.unknown + open);
      var line = document.createElement("p");
      var parts = fill(text.level_now, {level: "\u0000"}).split("\u0000");
      var badge = document.createElement("span");
      badge.className = "badge " + now.code;
      badge.textContent = now.label;
      line.appendChild(document.createTextNode(parts[0]));
      line.appendChild(badge);
      line.appendChild(document.createTextNode(parts[1] || ""));
      var tally = document.createElement("p");
      tally.textContent = fill(text.counts, {yes: counts.yes, no: counts.no, unknown: counts.unknown, open: open});
      var reach = document.createElement("p");
      reach.textContent = highest.code === now.code ? text.cannot_change : fill(text.could_change, {level: highest.label});
      result.appendChild(line); result.appendChild(tally); result.appendChild(reach);
      result.dataset.level = now.code;
      if (short) short.textContent = "— " + now.label;
    }
    form.addEventListener("change", function (event) {
      if (event.target && /^vr-/.test(event.target.name || "")) updateChecklist();
    });
    updateChecklist();
    var clear = document.getElementById("checklist-clear");
    if (clear) clear.addEventListener("click", function () {
      all("input[name^='vr-']:checked", form).forEach(function (el) { el.checked = false; changed(el); });
      updateChecklist();
    });

    // -- repeat caller: asked by POST with the CSRF header, never with the number in an address --
    var phone = form.elements.caller_phone;
    var history = document.getElementById("caller-history");
    var lookupUrl = form.dataset.lookupUrl, asked = null, pending = null;
    function lookUp() {
      if (!phone || !history || !lookupUrl) return;
      var value = phone.value.trim(), digits = value.replace(/\D/g, "").length;
      if (digits < 5 || digits > 20) { history.textContent = ""; asked = null; return; }
      if (value === asked) return;
      asked = value;
      history.textContent = text.checking;
      Senim.postJSON(lookupUrl, {phone: value}).then(function (response) {
        if (value !== phone.value.trim()) return;  // typed on since: a newer answer follows
        if (response.status === 401 || response.redirected) { history.textContent = text.signed_out; asked = null; return; }
        if (response.status === 422) { history.textContent = ""; return; }
        if (!response.ok) throw new Error("lookup " + response.status);
        return response.json().then(function (answer) { showLookup(answer); });
      }).catch(function () { history.textContent = text.lookup_failed; asked = null; });
    }
    function showLookup(answer) {
      history.textContent = "";
      var box = document.createElement("div");
      box.className = answer.available && answer.count ? "found" : "muted";
      var p = document.createElement("p");
      p.textContent = answer.message || "";
      box.appendChild(p);
      if (answer.referrals && answer.referrals.length) {
        var heading = document.createElement("p");
        heading.textContent = answer.referrals_heading || "";
        var list = document.createElement("ul");
        answer.referrals.forEach(function (line) {
          var li = document.createElement("li"); li.textContent = line; list.appendChild(li);
        });
        box.appendChild(heading); box.appendChild(list);
      }
      if (answer.links && answer.links.length) {
        var linksHeading = document.createElement("p");
        linksHeading.textContent = answer.links_heading || "";
        var links = document.createElement("ul");
        answer.links.forEach(function (link) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = link.url; a.textContent = link.text; a.target = "_blank"; a.rel = "noopener";
          a.tabIndex = -1;  // shown, never in the way of Tab: the form's order stays as it was
          li.appendChild(a); links.appendChild(li);
        });
        box.appendChild(linksHeading); box.appendChild(links);
      }
      history.appendChild(box);
    }
    if (phone) {
      phone.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(lookUp, 800); });
      phone.addEventListener("change", function () { clearTimeout(pending); lookUp(); });
      if (phone.value.trim()) lookUp();
    }

    // -- the session: kept alive while the form is open; if it ended anyway, signing in again happens
    //    here, in a dialog, and the save goes through: a call is never lost or bounced --
    var keepalive = document.body.dataset.keepalive;
    var every = Math.max(5, +(form.dataset.keepaliveSeconds || 60)) * 1000;
    function ping() {
      return fetch(keepalive, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": Senim.csrfToken()}, body: "{}"});
    }
    if (keepalive) setInterval(function () { ping().catch(function () { /* offline: the draft keeps it */ }); }, every);

    var dialog = document.getElementById("sign-in-again");
    var waiting = null;  // the save button pressed while signed out
    function sessionEnded() {
      return ping().then(function (response) { return response.status === 401 || response.status === 400; },
                         function () { return false; });  // offline: try the save, the server answers
    }
    function send(submitter) {
      form.dataset.checked = "1";
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    }
    // A second press of a save button (or Enter held down) must not send the call twice.
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      if (form.dataset.checked || !keepalive || !dialog || !dialog.showModal) { form.dataset.sending = "1"; return; }
      event.preventDefault();
      form.dataset.sending = "1";
      var submitter = event.submitter;
      sessionEnded().then(function (ended) {
        delete form.dataset.sending;
        if (!ended) { send(submitter); return; }
        waiting = submitter;
        openSignIn();
      });
    });
    window.addEventListener("pageshow", function () { delete form.dataset.sending; delete form.dataset.checked; });

    function openSignIn() {
      var error = document.getElementById("sign-in-again-error");
      error.hidden = true;
      dialog.showModal();
      var user = document.getElementById("again-username"), password = document.getElementById("again-password");
      (user.value ? password : user).focus();
    }
    if (dialog && dialog.showModal) {
      var messages = json("sign-in-again-messages") || {};
      document.getElementById("sign-in-again-cancel").addEventListener("click", function () {
        dialog.close();
        if (waiting) waiting.focus();
      });
      document.getElementById("sign-in-again-form").addEventListener("submit", function (event) {
        event.preventDefault();
        var error = document.getElementById("sign-in-again-error");
        var body = {username: document.getElementById("again-username").value,
                    password: document.getElementById("again-password").value, user: document.body.dataset.user};
        function fail(message) { error.textContent = message; error.hidden = false; }
        fetch(dialog.dataset.tokenUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); })
          .then(function (fresh) {
            return fetch(dialog.dataset.url, {method: "POST", credentials: "same-origin",
              headers: {"Content-Type": "application/json", "X-CSRFToken": fresh.csrf_token}, body: JSON.stringify(body)});
          })
          .then(function (response) {
            return response.json().then(function (answer) {
              if (response.ok && answer.signed_in) {
                var meta = document.querySelector('meta[name="csrf-token"]');
                if (meta) meta.content = answer.csrf_token;
                form.elements.csrf_token.value = answer.csrf_token;
                form.elements.resumed.value = "1";
                document.getElementById("again-password").value = "";
                dialog.close();
                send(waiting);
                return;
              }
              fail(answer.message || messages[answer.reason] || messages.failed);
            });
          })
          .catch(function () { fail(messages.failed); });
      });
    }
  }

  // ---- age → age group, on the new-contact and the correction form -----------------------------
  function setUpAge(form) {
    var age = form.elements.caller_age, group = form.elements.caller_age_group;
    var groups = json("age-groups");
    if (!age || !group || !groups) return;
    age.addEventListener("input", function () {
      var value = age.value.trim();
      if (!/^\d{1,3}$/.test(value)) return;
      var years = +value;
      groups.forEach(function (g) {
        if (g.min !== null && years >= g.min && (g.max === null || years <= g.max) && group.value !== g.code) {
          group.value = g.code; changed(group);
        }
      });
    });
  }

  function setUpPage() {
    document.addEventListener("keydown", onDigit);
    document.addEventListener("keydown", onArrow);
    all("form.call-form").forEach(function (form) {
      form.addEventListener("keydown", onEnter);
      all("[data-choices]", form).forEach(oneTabStop);
      setUpAge(form);
    });
    var callForm = document.getElementById("contact-form");
    if (callForm) {
      document.addEventListener("keydown", function (event) { onSectionKey(event, callForm); });
      callForm.addEventListener("keydown", onEscape);
      setUpCallForm(callForm);
    }
    all(".call-open[data-started]").forEach(function (box) {
      var start = new Date(box.dataset.started);
      var display = one(".timer", box);
      if (display && !isNaN(start.getTime())) startTimer(display, function () { return start; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    (window.Senim && Senim.draftsReady || Promise.resolve()).then(setUpPage);
  });
})();
