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
  var stopClock = function () {};

  function show(id) {
    ["notice", "loading", "prejoin", "call"].forEach(function (s) { $(s).hidden = s !== id; });
  }

  /* A full-page message with one way forward: never a dead end. */
  function notice(title, text, action, quote) {
    show("notice");
    stopClock();
    $("notice-title").textContent = title;
    $("notice-text").textContent = text;
    $("notice-quote").hidden = !quote;
    $("notice-quote-text").textContent = quote || "";
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
      return notice("This visit has ended; the room is closed", "The host ended the visit or its time is up. You can close this page. If you expected it to continue, ask the host for a new link.", null);
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
    Meet.waiting.prejoin(info);
    $("join-button").onclick = join;
    $("join-button").focus();
  }

  /* ------------------------------------------------------------------------- call */

  function devicesChosen() {
    var choice = info.livekit_url && navigator.mediaDevices ? Meet.devices.choice() : { camera: null, mic: null };
    Meet.devices.stop();
    return choice;
  }

  function join() {
    // Someone who waits keeps the device check running on the waiting screen.
    var choice = info.waiting ? null : devicesChosen();
    var label = $("join-button").textContent;
    $("join-button").disabled = true;
    $("join-button").textContent = info.waiting ? "Checking in…" : "Joining…";
    Switchboard.connect(base, readToken(), { media: true }).then(function (connected) {
      room = connected;
      $("join-button").disabled = false;
      if (info.waiting) waitToBeAdmitted();
      else enterCall(choice);
    }, function (err) {
      $("join-button").disabled = false;
      $("join-button").textContent = label;
      if (info.waiting) Meet.devices.stop();
      explain(err);
    });
  }

  /* The waiting room (meet-waiting.js): admitted -> the call on the same connection. */
  function waitToBeAdmitted() {
    Meet.waiting.wait(room, info, {
      enter: function () { enterCall(devicesChosen()); },
      denied: function (message) {
        Meet.devices.stop();
        ended = true;
        notice(
          "The clinician could not see you in this visit",
          "You were not admitted, so this link no longer works. If you still need care, contact your clinic to book another time.",
          null,
          message
        );
      },
      left: function () {
        Meet.devices.stop();
        ended = true;
        if (room) room.disconnect();
        notice("You left the waiting room", "You can go back to the waiting room while your link is valid.", { label: "Go back", run: reload });
        $("notice-action").focus();
      },
      explain: function (err) { Meet.devices.stop(); explain(err); },
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
    if (room.chat) Meet.waiting.host(room);
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
    stopClock = Meet.waiting.clock(info);
    prejoin();
  }, explain);
})();
