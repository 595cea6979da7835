/*
 * The meeting page: /join/<room_id>#token=…
 * The token is read from the URL fragment (never sent to a server in a URL), kept in this
 * tab's sessionStorage so a reload still works, and removed from the address bar.
 * Flow: check the link (GET /api/v1/realtime/info) -> device check (meet-devices.js) -> call:
 * the stage (meet-stage.js) and the chat panel (meet-chat.js).
 */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var root = $("meet");
  var roomId = root.dataset.roomId;
  var storageKey = "switchboard.token." + roomId;
  var base = window.location.origin;
  var Meet = window.SwitchboardMeet;
  var info = null;
  var room = null;
  var ended = false;

  function show(id) {
    ["notice", "loading", "prejoin", "call"].forEach(function (s) { $(s).hidden = s !== id; });
  }

  /* A full-page message with one way forward: never a dead end. */
  function notice(title, text, action) {
    show("notice");
    $("notice-title").textContent = title;
    $("notice-text").textContent = text;
    var button = $("notice-action");
    button.hidden = !action;
    if (action) {
      button.textContent = action.label;
      button.onclick = action.run;
    }
  }

  function reload() { window.location.reload(); }

  function explain(err) {
    var code = (err && err.code) || "";
    if (code === "unauthorized") {
      return notice(
        "This link no longer works",
        "Your join link has expired or was revoked, or you were removed from the room. Ask the person who invited you for a new link.",
        null
      );
    }
    if (code === "removed") {
      return notice(
        "You were removed from the visit",
        "The host removed you from this room, so your link no longer works. If this was a mistake, ask them for a new link.",
        null
      );
    }
    if (code === "room_closed") {
      return notice("This room has closed", "The meeting is over. If you expected it to continue, ask the host for a new link.", null);
    }
    if (code === "forbidden") {
      return notice("Chat is not available", "This room does not allow chat for your role.", { label: "Try again", run: reload });
    }
    if (code === "network_error") {
      return notice("Cannot reach Switchboard", "Check your internet connection, then try again.", { label: "Try again", run: reload });
    }
    return notice("Something went wrong", (err && err.message) || "Please try again.", { label: "Try again", run: reload });
  }

  function readToken() {
    var match = /(?:^|&)token=([^&]+)/.exec(window.location.hash.slice(1));
    if (match) {
      var token = decodeURIComponent(match[1]);
      try { window.sessionStorage.setItem(storageKey, token); } catch (e) { /* private mode */ }
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
      return token;
    }
    try { return window.sessionStorage.getItem(storageKey); } catch (e) { return null; }
  }

  /* ------------------------------------------------------------------ device check */

  function canPublish(source) { return info.can_publish.indexOf(source) !== -1; }

  function prejoin() {
    show("prejoin");
    $("room-name").textContent = info.room_name;
    $("me-name").textContent = info.name;
    $("me-role").textContent = info.role !== "participant" ? " (" + info.role + ")" : "";
    var media = info.livekit_url && (canPublish("camera") || canPublish("microphone")) && navigator.mediaDevices;
    $("device-check").hidden = !media;
    if (media) Meet.devices.start(info, canPublish);
    $("join-button").onclick = join;
    $("join-button").focus();
  }

  /* ------------------------------------------------------------------------- call */

  function join() {
    var choice = info.livekit_url && navigator.mediaDevices ? Meet.devices.choice() : { camera: null, mic: null };
    Meet.devices.stop();
    $("join-button").disabled = true;
    $("join-button").textContent = "Joining…";
    Switchboard.connect(base, readToken(), { media: true }).then(function (connected) {
      room = connected;
      enterCall(choice);
    }, function (err) {
      $("join-button").disabled = false;
      $("join-button").textContent = "Join now";
      explain(err);
    });
  }

  function banner(text, kind) {
    $("call-banner").hidden = !text;
    $("call-banner").textContent = text || "";
    $("call-banner").dataset.kind = kind || "info";
  }

  function enterCall(choice) {
    show("call");
    document.body.classList.add("in-call");
    ended = false;
    var media = !!room.livekit && !room.mediaError;
    $("call").classList.toggle("chat-only", !media);
    $("leave").onclick = leave;
    room.on("closed", function (event) { end(event.error); });
    var hooks = {
      banner: banner,
      canPublish: canPublish,
      choice: choice,
      speaker: choice.speaker,
      media: media,
      end: end,
      dropped: dropped,
    };
    if (room.chat) Meet.chat.start(room, info, hooks);
    if (room.chat && Meet.consent) Meet.consent.start(room.chat); // meet-consent.js
    if (media) Meet.stage.start(room, info, hooks);
    else if (info.livekit_url) banner("Video is unavailable right now; chat still works.", "warn");
  }

  /* LiveKit gave up (or kicked us for a reason it did not name): ask why. */
  function dropped() {
    if (ended) return;
    Switchboard.info(base, room.token).then(
      function () { end({ code: "network_error", message: "The video connection dropped." }); },
      function (err) { end(err); }
    );
  }

  function end(err) {
    if (ended) return;
    ended = true;
    document.body.classList.remove("in-call");
    var lk = room && room.livekit;
    if (lk && lk.state === "connected" && err && err.code === "unauthorized") {
      // Removed: LiveKit is disconnecting us too. Let it finish, so the two do not race.
      if (room.chat) room.chat.close();
      var done = function () { clearTimeout(timer); room.disconnect(); };
      var timer = setTimeout(done, 3000);
      lk.once("disconnected", done);
    } else if (room) {
      room.disconnect();
    }
    explain(err);
  }

  function leave() {
    ended = true;
    document.body.classList.remove("in-call");
    if (room) room.disconnect();
    notice("You left", "You left the visit. You can rejoin while your link is valid.", { label: "Rejoin", run: reload });
    $("notice-action").focus();
  }

  /* ----------------------------------------------------------------------- start */

  var token = readToken();
  if (!token) {
    notice("This link is missing its token", "Open the full join link you were sent (it ends with #token=…), or ask for a new one.", null);
    return;
  }
  Switchboard.info(base, token).then(function (details) {
    if (details.room_id !== roomId) {
      return notice("This link is for another room", "Open the join link exactly as you received it.", null);
    }
    info = details;
    prejoin();
  }, explain);
})();
