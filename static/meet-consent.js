/*
 * Recording consent on the meeting page (rooms with `recording_consent: "required"`).
 *
 * - In the call: the chat socket's `recording.consent_requested {recording_id}` opens a dialog
 *   that says what would be recorded and asks Accept / Decline; the answer goes back as
 *   `recording.consent {recording_id, accept}`. `recording.consent_closed {recording_id,
 *   outcome}` (everyone agreed, someone declined, time ran out, the host stopped) closes it.
 *   meet.js calls `SwitchboardMeet.consent.start(room.chat)` once the chat is up.
 * - Before entering: while the pre-join screen shows, the page asks
 *   GET /api/v1/realtime/recording whether the visit is being recorded (any consent mode) and
 *   says so above the Join button, so nobody walks into a recording unaware.
 */
(function () {
  "use strict";
  var Meet = (window.SwitchboardMeet = window.SwitchboardMeet || {});
  var root = document.getElementById("meet");
  var roomId = root ? root.getAttribute("data-room-id") : null;
  var RUNNING = { starting: true, recording: true, stopping: true };
  var OUTCOMES = {
    accepted: "Everyone agreed: the recording is starting.",
    consent_declined: "Someone declined, so this visit will not be recorded.",
    consent_timeout: "Not everyone answered in time, so this visit will not be recorded.",
    consent_cancelled: "The host cancelled the recording.",
    room_closed: "The visit ended before everyone answered."
  };

  var css = [
    "#consent-dialog{max-width:30rem;border:0;border-radius:10px;padding:1.25rem 1.5rem;",
    "box-shadow:0 8px 32px rgba(0,0,0,.35);color:#1d2330}",
    "#consent-dialog::backdrop{background:rgba(15,20,30,.55)}",
    "#consent-dialog h2{margin:.1rem 0 .6rem;font-size:1.25rem}",
    "#consent-dialog ul{list-style:disc;padding-left:1.4rem;margin:.4rem 0 .8rem}",
    "#consent-dialog .consent-actions{display:flex;gap:.6rem;justify-content:flex-end;margin-top:1rem}",
    "#consent-dialog .consent-error{color:#c0322b}",
    "#recording-notice{background:#fdecea;color:#7a1c16;border-left:4px solid #b3261e;",
    "padding:.6rem .9rem;border-radius:6px;margin:.8rem 0}"
  ].join("");

  function addStyle() {
    if (document.getElementById("consent-style")) return;
    var style = document.createElement("style");
    style.id = "consent-style";
    style.textContent = css;
    document.head.appendChild(style);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /* ------------------------------------------------------------------ the dialog */

  var dialog = null, chat = null, current = null, answered = {};

  function build() {
    addStyle();
    dialog = el("dialog", { id: "consent-dialog", "aria-labelledby": "consent-title", "aria-describedby": "consent-text" });
    dialog.appendChild(el("h2", { id: "consent-title" }, "May this visit be recorded?"));
    var text = el("div", { id: "consent-text" });
    text.appendChild(el("p", {}, "The host would like to record this visit. If everyone agrees, the recording will include:"));
    var list = el("ul", {});
    list.appendChild(el("li", {}, "the video and audio of everyone in the call, and any shared screens;"));
    list.appendChild(el("li", {}, "the names shown on screen."));
    text.appendChild(list);
    text.appendChild(el("p", {}, "Chat messages are not part of the recording. It is stored securely by the clinic. " +
      "Recording starts only if everyone agrees; if you decline, nothing is recorded and the visit continues."));
    dialog.appendChild(text);
    dialog.appendChild(el("p", { id: "consent-status", role: "status", "aria-live": "polite" }));
    var actions = el("div", { "class": "consent-actions" });
    var decline = el("button", { type: "button", id: "consent-decline", "class": "secondary" }, "Decline");
    var accept = el("button", { type: "button", id: "consent-accept" }, "I agree to be recorded");
    actions.appendChild(decline);
    actions.appendChild(accept);
    dialog.appendChild(actions);
    decline.addEventListener("click", function () { answer(false); });
    accept.addEventListener("click", function () { answer(true); });
    // Escape must not dismiss the question silently: it counts as no answer yet.
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
    document.body.appendChild(dialog);
  }

  function status(text, isError) {
    var node = document.getElementById("consent-status");
    node.textContent = text || "";
    node.className = isError ? "consent-error" : "muted";
  }

  function buttons(enabled) {
    document.getElementById("consent-accept").disabled = !enabled;
    document.getElementById("consent-decline").disabled = !enabled;
  }

  function ask(data) {
    if (!data || !data.recording_id || answered[data.recording_id]) return;
    if (!dialog) build();
    current = data.recording_id;
    buttons(true);
    status("");
    if (!dialog.open) dialog.showModal();
    document.getElementById("consent-accept").focus();
  }

  function answer(accept) {
    if (!current || !chat) return;
    var recordingId = current;
    buttons(false);
    status("Sending your answer…");
    chat.request("recording.consent", { recording_id: recordingId, accept: accept }).then(function () {
      answered[recordingId] = accept ? "accepted" : "declined";
      status(accept ? "Thank you. Waiting for the others to answer…" : "You declined. Nothing will be recorded.");
      setTimeout(function () { if (current === recordingId && dialog.open) dialog.close(); }, accept ? 1500 : 2500);
    }, function (err) {
      if (err && (err.code === "already_answered" || err.code === "consent_closed")) {
        answered[recordingId] = "closed";
        status(err.message);
        setTimeout(function () { if (dialog.open) dialog.close(); }, 2500);
        return;
      }
      buttons(true);
      status((err && err.message) || "Your answer did not reach us; try again.", true);
    });
  }

  function closed(data) {
    if (!data || !data.recording_id) return;
    answered[data.recording_id] = answered[data.recording_id] || "closed";
    if (dialog && dialog.open && current === data.recording_id) {
      buttons(false);
      status(OUTCOMES[data.outcome] || "The consent request has ended.");
      setTimeout(function () { if (dialog.open) dialog.close(); }, 2500);
    }
  }

  /* `recording.consent_closed` from the job worker (the timeout) reaches this socket only
   * through Redis: while the dialog is open, also ask the API whether the wait is over. */
  function pollWhileOpen() {
    var jwt = token();
    if (!dialog || !dialog.open || !current || !jwt) return;
    var asked = current;
    fetch("/api/v1/realtime/recording?token=" + encodeURIComponent(jwt))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        var rec = body && body.data.recording;
        if (rec && rec.id === asked && rec.status !== "awaiting_consent") {
          closed({ recording_id: asked, outcome: rec.error ? rec.error.code : "accepted" });
        }
      })
      .catch(function () { /* asked again on the next tick */ });
  }
  setInterval(pollWhileOpen, 4000);

  Meet.consent = {
    start: function (socket) {
      chat = socket;
      chat.on("recording.consent_requested", ask);
      chat.on("recording.consent_closed", closed);
    }
  };

  /* ------------------------------------------------------- told before entering */

  function token() {
    try { return window.sessionStorage.getItem("switchboard.token." + roomId); } catch (e) { return null; }
  }

  function prejoinNotice(recording) {
    var prejoin = document.getElementById("prejoin");
    var notice = document.getElementById("recording-notice");
    var running = recording && RUNNING[recording.status];
    var waiting = recording && recording.status === "awaiting_consent";
    if (!running && !waiting) {
      if (notice) notice.hidden = true;
      return;
    }
    if (!notice) {
      addStyle();
      notice = el("p", { id: "recording-notice", role: "alert" });
      // At the top, under "You are joining as …": read before the device check and Join.
      prejoin.insertBefore(notice, document.getElementById("device-check"));
    }
    notice.hidden = false;
    notice.textContent = running
      ? "\u25CF This visit is being recorded. By joining, you will appear in the recording (your video, audio and name)."
      : "The host has asked to record this visit. Once you join you will be asked whether you agree.";
  }

  function checkPrejoin() {
    var prejoin = document.getElementById("prejoin");
    var jwt = token();
    if (!prejoin || prejoin.hidden || !jwt) return;
    fetch("/api/v1/realtime/recording?token=" + encodeURIComponent(jwt))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) prejoinNotice(body.data.recording); })
      .catch(function () { /* asked again on the next tick */ });
  }

  if (roomId) {
    var prejoin = document.getElementById("prejoin");
    if (prejoin) {
      new MutationObserver(checkPrejoin).observe(prejoin, { attributes: true, attributeFilter: ["hidden"] });
      setInterval(checkPrejoin, 4000);
    }
  }
})();
