/*
 * Visit controls on the meeting page (rooms with `waiting_room`, or `ends_at`):
 *  - a waiting patient: after the device check, a calm waiting screen with their own preview
 *    and the device check still live, the host's messages, then the call (admission grants
 *    LiveKit rights on the same connection: no reload) or a final screen with the host's message;
 *  - a host: the waiting-room queue on the call page (admit, deny with a message, admit all,
 *    a message to everyone waiting), a chime and a blinking title when someone arrives;
 *  - everyone: a warning a minute before the room's `ends_at`.
 * Used by meet.js as SwitchboardMeet.waiting.{prejoin, wait, host, clock}.
 */
(function (global) {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var LEAVE_GRACE_MS = 3000;
  var WARN_BEFORE_MS = 60000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* "just now", "2 min", "1 h 5 min": how long someone has waited. */
  function waitedFor(since, now) {
    var seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
    if (seconds < 45) return "just now";
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  /* ------------------------------------------------------------- the waiting patient */

  function prejoin(info) {
    $("waiting-hint").hidden = !info.waiting;
    if (info.waiting) $("join-button").textContent = "Check in";
  }

  /* `room` is connected (LiveKit hidden, without rights; the chat socket in waiting mode).
     hooks: enter() when admitted, denied(message), explain(err). */
  function wait(room, info, hooks) {
    var lk = room.livekit, chat = room.chat, done = false, denial = null;
    var section = $("prejoin");
    global.SwitchboardMeet.stage.quietTeardown(global.LivekitClient); // denial ends the connection
    section.classList.add("waiting");
    $("prejoin-title").textContent = "You're in the waiting room";
    $("waiting-hint").hidden = true;
    $("waiting-panel").hidden = false;
    $("join-button").hidden = true;
    $("waiting-since").textContent = "Checked in at " + new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }) + ".";
    $("waiting-leave").onclick = function () { finish(); hooks.left(); };
    document.title = "Waiting room · Switchboard";
    $("waiting-status").focus();

    function finish() {
      if (done) return false;
      done = true;
      if (lk) lk.off("participantPermissionsChanged", onPermissions);
      if (lk) lk.off("disconnected", onDisconnected);
      return true;
    }

    function admitted() {
      if (!finish()) return;
      section.classList.remove("waiting");
      $("waiting-panel").hidden = true;
      $("join-button").hidden = false;
      $("prejoin-title").textContent = "Join";
      document.title = "Join · Switchboard";
      hooks.enter();
    }

    function turnedAway(message) {
      if (!finish()) return;
      room.disconnect();
      hooks.denied(message);
    }

    function rights() {
      var p = lk && lk.localParticipant && lk.localParticipant.permissions;
      return !!(p && (p.canSubscribe || p.canPublish));
    }

    function onPermissions() { if (rights()) admitted(); }

    /* Denial removes the LiveKit connection first; the socket then says why. */
    function onDisconnected() {
      if (done) return;
      setTimeout(function () {
        if (done) return;
        if (denial !== null) return turnedAway(denial);
        Switchboard.info(room.url, room.token).then(
          function () { if (finish()) { room.disconnect(); hooks.explain({ code: "network_error" }); } },
          function (err) {
            if (err && err.code === "unauthorized") turnedAway(denial);
            else if (finish()) { room.disconnect(); hooks.explain(err); }
          }
        );
      }, chat && chat.state === "open" ? LEAVE_GRACE_MS : 0);
    }

    if (lk) {
      lk.on("participantPermissionsChanged", onPermissions);
      lk.on("disconnected", onDisconnected);
    }
    if (chat) {
      chat.on("waiting.message", function (data) {
        var box = $("waiting-message");
        box.hidden = false;
        $("waiting-message-text").textContent = data.body;
        $("waiting-message-time").textContent = new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
        box.classList.remove("fresh");
        void box.offsetWidth; // restart the highlight
        box.classList.add("fresh");
      });
      chat.on("waiting.denied", function (data) { denial = (data && data.message) || ""; });
      chat.on("waiting.admitted", function () {
        // LiveKit's permission update normally arrives first; without it, go in anyway.
        if (!lk || rights()) return admitted();
        setTimeout(admitted, LEAVE_GRACE_MS);
      });
      chat.on("closed", function (event) {
        if (done) return;
        if (denial !== null) return turnedAway(denial);
        if (!finish()) return;
        room.disconnect();
        hooks.explain(event.error);
      });
    }
    if (rights()) admitted(); // admitted between the link check and connecting
  }

  /* ------------------------------------------------------------------- the host's queue */

  function Chime() {
    this.ctx = null;
    var self = this;
    // Browsers start audio only after a gesture on the page: make the context then.
    var unlock = function () {
      var AC = global.AudioContext || global.webkitAudioContext;
      if (!self.ctx && AC) self.ctx = new AC();
      if (self.ctx && self.ctx.state === "suspended") self.ctx.resume().catch(function () {});
    };
    ["pointerdown", "keydown"].forEach(function (name) { document.addEventListener(name, unlock, { capture: true }); });
  }
  Chime.prototype.play = function () {
    var ctx = this.ctx;
    if (!ctx || ctx.state !== "running") return false;
    [[587.33, 0], [880, 0.16]].forEach(function (note) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), at = ctx.currentTime + note[1];
      osc.type = "sine";
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.45);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.5);
    });
    return true;
  };

  /* Blink the tab title until the host looks at the page or acts. */
  function TitleBlink() {
    this.timer = null;
    this.base = document.title;
    var self = this;
    document.addEventListener("visibilitychange", function () { if (!document.hidden && document.hasFocus()) self.stop(); });
    global.addEventListener("focus", function () { self.stop(); });
  }
  TitleBlink.prototype.start = function (text) {
    var self = this, on = false;
    this.stop();
    this.timer = setInterval(function () {
      on = !on;
      document.title = on ? text : self.base;
    }, 1000);
    document.title = text;
  };
  TitleBlink.prototype.stop = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    document.title = this.base;
  };

  function host(room) {
    var chat = room.chat;
    if (!chat) return;
    var panel = $("waiting-room"), list = $("waiting-list"), toggle = $("toggle-waiting");
    var chime = new Chime(), blink = new TitleBlink(), people = [], shown = false, made = 0;

    function setOpen(open) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.classList.toggle("active", open);
    }

    function act(button, promise, row) {
      blink.stop();
      button.disabled = true;
      $("waiting-error").hidden = true;
      return promise.then(null, function (err) {
        button.disabled = false;
        if (row) row.classList.remove("deciding");
        $("waiting-error").hidden = false;
        $("waiting-error").textContent = (err && err.message) || "That did not work; try again.";
      });
    }

    function row(person) {
      var li = el("li", "waiting-person");
      li.dataset.identity = person.identity;
      var who = el("div", "who");
      who.appendChild(el("span", "avatar small", global.SwitchboardMeet.initials(person.name || person.identity)));
      var text = el("div", "");
      text.appendChild(el("strong", "name", person.name || person.identity));
      var since = el("span", "since muted");
      since.dataset.since = person.waiting_since;
      text.appendChild(since);
      who.appendChild(text);
      li.appendChild(who);
      var buttons = el("div", "actions");
      var admit = el("button", "admit", "Admit");
      admit.type = "button";
      admit.setAttribute("aria-label", "Admit " + (person.name || person.identity));
      admit.onclick = function () { li.classList.add("deciding"); act(admit, chat.admit(person.identity), li); };
      var deny = el("button", "secondary deny", "Deny");
      deny.type = "button";
      deny.setAttribute("aria-label", "Deny " + (person.name || person.identity));
      deny.setAttribute("aria-expanded", "false");
      buttons.appendChild(admit);
      buttons.appendChild(deny);
      li.appendChild(buttons);
      var form = el("form", "deny-form");
      form.hidden = true;
      var label = el("label", "", "Tell " + (person.name || person.identity) + " why (optional)");
      label.htmlFor = "deny-" + (++made);
      var input = el("input", "");
      input.type = "text";
      input.id = label.htmlFor;
      input.maxLength = 500;
      input.placeholder = "e.g. Please book a new time";
      var send = el("button", "danger", "Deny");
      send.type = "submit";
      send.setAttribute("aria-label", "Confirm deny " + (person.name || person.identity));
      var line = el("div", "inline-form");
      line.appendChild(input);
      line.appendChild(send);
      form.appendChild(label);
      form.appendChild(line);
      li.appendChild(form);
      deny.onclick = function () {
        form.hidden = !form.hidden;
        deny.setAttribute("aria-expanded", form.hidden ? "false" : "true");
        deny.textContent = form.hidden ? "Deny" : "Cancel";
        if (!form.hidden) input.focus();
      };
      form.onsubmit = function (event) {
        event.preventDefault();
        li.classList.add("deciding");
        act(send, chat.deny(person.identity, input.value.trim()), li);
      };
      return li;
    }

    function tick() {
      var now = Date.now();
      list.querySelectorAll(".since").forEach(function (node) {
        node.textContent = "waiting " + waitedFor(node.dataset.since, now);
        node.title = "Waiting since " + new Date(node.dataset.since).toLocaleTimeString();
      });
    }

    function render(next, change) {
      people = next;
      var rows = {};
      list.querySelectorAll("li.waiting-person").forEach(function (li) { rows[li.dataset.identity] = li; });
      var keep = {};
      people.forEach(function (person) {
        keep[person.identity] = true;
        var li = rows[person.identity] || row(person);
        list.appendChild(li); // in queue order
      });
      Object.keys(rows).forEach(function (identity) { if (!keep[identity]) rows[identity].remove(); });
      $("waiting-empty").hidden = people.length > 0;
      $("admit-all").hidden = people.length < 2;
      $("waiting-count").textContent = String(people.length);
      $("waiting-count").hidden = people.length === 0;
      $("waiting-title-count").textContent = people.length ? " (" + people.length + ")" : "";
      tick();
      var announce = $("waiting-announce");
      if (change && change.type === "joined") {
        var name = change.participant.name || change.participant.identity;
        announce.textContent = name + " is in the waiting room.";
        chime.play();
        if (document.hidden || !document.hasFocus()) blink.start("● " + name + " is waiting");
        setOpen(true);
      } else if (change && change.type === "left") {
        var gone = change.participant.name || change.participant.identity;
        var how = { admitted: " was admitted.", denied: " was turned away.", left: " left the waiting room." };
        announce.textContent = gone + (how[change.status] || how.left);
        if (!people.length) blink.stop();
      } else if (!shown && people.length) {
        announce.textContent = people.length === 1 ? "1 person is waiting." : people.length + " people are waiting.";
        setOpen(true);
      }
    }

    function init() {
      if (!shown) {
        shown = true;
        toggle.hidden = false;
        toggle.onclick = function () { setOpen(panel.hidden); };
        $("close-waiting").onclick = function () { setOpen(false); toggle.focus(); };
        $("admit-all").onclick = function () {
          var button = $("admit-all");
          act(button, Promise.all(people.map(function (p) { return chat.admit(p.identity); }))).then(function () {
            button.disabled = false;
          });
        };
        $("waiting-broadcast").onsubmit = function (event) {
          event.preventDefault();
          var input = $("waiting-broadcast-input"), body = input.value.trim();
          if (!body) return;
          act($("waiting-broadcast-send"), chat.messageWaiting(body).then(function () {
            input.value = "";
            $("waiting-announce").textContent = "Message sent to the waiting room.";
            $("waiting-sent").hidden = false;
            $("waiting-sent").textContent = "Sent: “" + body + "”";
          })).then(function () { $("waiting-broadcast-send").disabled = false; });
        };
        setInterval(tick, 15000);
        setOpen(false);
      }
    }

    chat.on("waiting", function (next, change) {
      init();
      render(next, change);
    });
    if (chat.mayAdmit) {
      init();
      render(chat.waitingList());
    }
  }

  /* ----------------------------------------------------------------- the end of the visit */

  /* A warning a minute before `ends_at` (a countdown for the last 50 seconds; screen readers
     hear it once, and again at 10 seconds). Returns a function that takes it away. */
  function clock(info) {
    if (!info.ends_at) return function () {};
    var endsAt = Date.parse(info.ends_at);
    var timer = null, said = {};
    function say(key, text) {
      if (said[key]) return;
      said[key] = true;
      $("end-announce").textContent = text;
    }
    function update() {
      var left = endsAt - Date.now();
      if (left > WARN_BEFORE_MS) { timer = setTimeout(update, Math.min(left - WARN_BEFORE_MS, 3600000)); return; }
      var seconds = Math.max(0, Math.ceil(left / 1000));
      $("end-warning").hidden = false;
      var text = seconds > 45 ? "This visit ends in 1 minute."
        : seconds > 0 ? "This visit ends in " + seconds + " seconds." : "This visit is ending now.";
      $("end-warning-text").textContent = text;
      say("minute", seconds > 45 ? text : "This visit ends in less than a minute.");
      if (seconds <= 10) say("ten", "This visit ends in " + (seconds || "a few") + " seconds.");
      if (seconds > 0) timer = setTimeout(update, 1000);
    }
    $("end-warning-dismiss").onclick = function () { $("end-warning").classList.add("quiet"); };
    update();
    return function () { if (timer) clearTimeout(timer); $("end-warning").hidden = true; };
  }

  global.SwitchboardMeet = global.SwitchboardMeet || {};
  global.SwitchboardMeet.waiting = { prejoin: prejoin, wait: wait, host: host, clock: clock, waitedFor: waitedFor };
})(window);
