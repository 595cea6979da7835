/*
 * Recording on the meeting page: everyone in the call sees a "Recording" indicator while the
 * room is being recorded; hosts get a Start/Stop recording button. Kept apart from meet.js:
 * it only reads the join token meet.js keeps in sessionStorage and polls
 * GET /api/v1/realtime/recording?token=… every few seconds.
 */
(function () {
  "use strict";
  var root = document.getElementById("meet");
  if (!root) return;
  var roomId = root.getAttribute("data-room-id");
  var ACTIVE = {
    awaiting_consent: "Recording waits for consent…",
    starting: "Recording starts…",
    recording: "Recording",
    stopping: "Recording stops…"
  };
  var badge = null, button = null, busy = false;

  function token() {
    try { return window.sessionStorage.getItem("switchboard.token." + roomId); } catch (e) { return null; }
  }
  function inCall() {
    var call = document.getElementById("call");
    return call && !call.hidden;
  }
  function url(jwt) {
    return "/api/v1/realtime/recording?token=" + encodeURIComponent(jwt);
  }
  function ensureBadge() {
    if (badge) return badge;
    badge = document.createElement("div");
    badge.id = "recording-indicator";
    badge.setAttribute("role", "status");
    badge.style.cssText = "position:fixed;top:12px;left:50%;transform:translateX(-50%);z-index:50;" +
      "background:#b3261e;color:#fff;padding:4px 12px;border-radius:999px;font-weight:600;" +
      "box-shadow:0 1px 4px rgba(0,0,0,.3)";
    badge.hidden = true;
    document.body.appendChild(badge);
    return badge;
  }
  function ensureButton() {
    if (button) return button;
    var controls = document.getElementById("media-controls");
    if (!controls) return null;
    button = document.createElement("button");
    button.type = "button";
    button.id = "toggle-recording";
    button.addEventListener("click", toggle);
    controls.insertBefore(button, document.getElementById("leave"));
    return button;
  }
  var state = null;
  function render(data) {
    state = data;
    var rec = data.recording;
    var active = rec && ACTIVE[rec.status];
    var b = ensureBadge();
    b.hidden = !active;
    b.textContent = active ? "\u25CF " + ACTIVE[rec.status] : "";
    if (data.can_control) {
      var btn = ensureButton();
      if (btn) {
        btn.textContent = active ? "Stop recording" : "Record";
        btn.textContent = rec && rec.status === "awaiting_consent" ? "Cancel recording" : btn.textContent;
        btn.disabled = busy || (rec && (rec.status === "starting" || rec.status === "stopping"));
      }
    }
  }
  function refresh() {
    var jwt = token();
    if (!jwt || !inCall()) return;
    fetch(url(jwt)).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) render(body.data); })
      .catch(function () { /* try again on the next tick */ });
  }
  function toggle() {
    var jwt = token();
    if (!jwt || !state) return;
    var rec = state.recording;
    var action = rec && ACTIVE[rec.status] ? "stop" : "start";
    busy = true;
    render(state);
    fetch(url(jwt), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: action })
    }).then(function (r) { return r.json(); }).then(function (body) {
      busy = false;
      if (body.data) { render(body.data); }
      else if (body.error) { window.alert(body.error.message); refresh(); }
    }).catch(function () { busy = false; refresh(); });
  }
  setInterval(refresh, 4000);
  document.addEventListener("visibilitychange", refresh);
  var observer = new MutationObserver(function () { if (inCall()) refresh(); });
  var call = document.getElementById("call");
  if (call) observer.observe(call, { attributes: true, attributeFilter: ["hidden"] });
})();
