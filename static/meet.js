/*
 * The meeting page: /join/<room_id>#token=…
 * The token is read from the URL fragment (never sent to a server in a URL), kept in this
 * tab's sessionStorage so a reload still works, and removed from the address bar.
 * Flow: check the link (GET /api/v1/realtime/info) -> device check -> call with chat.
 */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var root = $("meet");
  var roomId = root.dataset.roomId;
  var storageKey = "switchboard.token." + roomId;
  var base = window.location.origin;
  var info = null;
  var room = null;
  var preview = null;
  var names = {};
  var typingTimers = {};
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

  function stopPreview() {
    if (preview) preview.getTracks().forEach(function (t) { t.stop(); });
    preview = null;
  }

  function fillSelect(select, devices, kind, current) {
    select.innerHTML = "";
    devices.filter(function (d) { return d.kind === kind; }).forEach(function (d, i) {
      var option = document.createElement("option");
      option.value = d.deviceId;
      option.textContent = d.label || (kind === "videoinput" ? "Camera " : "Microphone ") + (i + 1);
      if (d.deviceId === current) option.selected = true;
      select.appendChild(option);
    });
  }

  function startPreview() {
    stopPreview();
    var wantCam = canPublish("camera") && $("use-camera").checked;
    var wantMic = canPublish("microphone") && $("use-mic").checked;
    $("device-error").hidden = true;
    if (!wantCam && !wantMic) { $("preview").srcObject = null; return Promise.resolve(); }
    var constraints = {
      video: wantCam ? ($("camera-select").value ? { deviceId: { exact: $("camera-select").value } } : true) : false,
      audio: wantMic ? ($("mic-select").value ? { deviceId: { exact: $("mic-select").value } } : true) : false,
    };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      preview = stream;
      $("preview").srcObject = stream;
      return navigator.mediaDevices.enumerateDevices().then(function (devices) {
        var cam = stream.getVideoTracks()[0], mic = stream.getAudioTracks()[0];
        fillSelect($("camera-select"), devices, "videoinput", cam && cam.getSettings().deviceId);
        fillSelect($("mic-select"), devices, "audioinput", mic && mic.getSettings().deviceId);
      });
    }).catch(function (err) {
      $("device-error").hidden = false;
      $("device-error").textContent = "Camera or microphone unavailable (" + (err.name || "error") +
        "). Allow access in your browser, pick another device, or join without them.";
    });
  }

  function prejoin() {
    show("prejoin");
    $("room-name").textContent = info.room_name;
    $("me-name").textContent = info.name;
    $("me-role").textContent = info.role !== "participant" ? " (" + info.role + ")" : "";
    var media = info.livekit_url && (canPublish("camera") || canPublish("microphone")) && navigator.mediaDevices;
    $("device-check").hidden = !media;
    if (media) {
      $("use-camera").parentNode.hidden = $("camera-select").hidden = !canPublish("camera");
      $("use-mic").parentNode.hidden = $("mic-select").hidden = !canPublish("microphone");
      ["use-camera", "use-mic", "camera-select", "mic-select"].forEach(function (id) { $(id).onchange = startPreview; });
      startPreview();
    }
    $("join-button").onclick = join;
  }

  /* ------------------------------------------------------------------------- call */

  function join() {
    var choice = {
      camera: canPublish("camera") && $("use-camera").checked ? $("camera-select").value || true : null,
      mic: canPublish("microphone") && $("use-mic").checked ? $("mic-select").value || true : null,
    };
    stopPreview();
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

  function banner(text) {
    $("call-banner").hidden = !text;
    $("call-banner").textContent = text || "";
  }

  function enterCall(choice) {
    show("call");
    ended = false;
    $("call").classList.toggle("chat-only", !room.livekit);
    $("leave").onclick = leave;
    room.on("closed", function (event) { end(event.error); });
    if (room.chat) setUpChat();
    if (room.livekit) setUpMedia(choice);
    else if (room.mediaError && info.livekit_url) banner("Video is unavailable right now; chat still works.");
  }

  function end(err) {
    if (ended) return;
    ended = true;
    if (room) room.disconnect();
    explain(err);
  }

  function leave() {
    ended = true;
    if (room) room.disconnect();
    notice("You left the room", "You can rejoin while your link is valid.", { label: "Rejoin", run: reload });
  }

  /* --- chat --- */

  function displayName(identity) { return names[identity] || identity; }

  function renderRoster(participants) {
    var list = $("roster");
    list.innerHTML = "";
    participants.forEach(function (p) {
      names[p.identity] = p.name || p.identity;
      var item = document.createElement("li");
      item.dataset.identity = p.identity;
      item.textContent = (p.name || p.identity) + (p.role && p.role !== "participant" ? " (" + p.role + ")" : "");
      list.appendChild(item);
    });
  }

  function renderTyping() {
    var who = Object.keys(typingTimers).map(displayName);
    $("typing").textContent = who.length ? who.join(", ") + (who.length > 1 ? " are typing…" : " is typing…") : "";
  }

  function addMessage(msg) {
    var item = document.createElement("li");
    item.dataset.seq = msg.seq;
    var from = document.createElement("span");
    from.className = "from";
    from.textContent = displayName(msg.from);
    var time = document.createElement("span");
    time.className = "time";
    time.textContent = new Date(msg.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = msg.body;
    item.appendChild(from);
    item.appendChild(time);
    item.appendChild(body);
    var list = $("messages");
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(item);
    if (atBottom) list.scrollTop = list.scrollHeight;
    if (typingTimers[msg.from]) { clearTimeout(typingTimers[msg.from]); delete typingTimers[msg.from]; renderTyping(); }
  }

  function setUpChat() {
    var chat = room.chat;
    $("chat").hidden = false;
    renderRoster(chat.roster());
    chat.on("presence", renderRoster);
    chat.on("message.created", addMessage);
    chat.on("typing", function (t) {
      if (typingTimers[t.identity]) clearTimeout(typingTimers[t.identity]);
      delete typingTimers[t.identity];
      if (t.active) typingTimers[t.identity] = setTimeout(function () { delete typingTimers[t.identity]; renderTyping(); }, 6000);
      renderTyping();
    });
    chat.on("status", function (state) {
      if (state === "reconnecting") banner("Connection lost. Reconnecting…");
      else if (state === "open") banner(null);
    });
    chat.on("error", function (err) { chatError(err.message); });

    var input = $("chat-input");
    var lastTyping = 0;
    if (!info.can_chat) {
      input.disabled = true;
      input.placeholder = "Your role can read the chat but not write.";
      $("chat-send").disabled = true;
    }
    input.addEventListener("input", function () {
      var now = Date.now();
      if (input.value && now - lastTyping > 3000) { chat.typing(true); lastTyping = now; }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-form").requestSubmit(); }
    });
    $("chat-form").onsubmit = function (e) {
      e.preventDefault();
      var body = input.value;
      if (!body.trim()) return;
      chatError(null);
      input.value = "";
      lastTyping = 0;
      chat.typing(false);
      chat.send({ body: body }).catch(function (err) {
        if (!input.value) input.value = body;
        chatError(err.code === "rate_limited" ? "You are sending too fast; wait a moment." : err.message);
      });
    };
  }

  function chatError(text) {
    $("chat-error").hidden = !text;
    $("chat-error").textContent = text || "";
  }

  /* --- media --- */

  function tileFor(identity, source, name) {
    var id = "tile-" + identity + "-" + source;
    var tile = document.getElementById(id);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = "tile";
      tile.id = id;
      tile.dataset.identity = identity;
      tile.dataset.source = source;
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = (name || identity) + (source === "screen_share" ? " (screen)" : "");
      tile.appendChild(label);
      $("stage").appendChild(tile);
    }
    return tile;
  }

  function attach(track, participant, isLocal) {
    var source = track.source === "screen_share" ? "screen_share" : "camera";
    if (track.kind === "video") {
      var tile = tileFor(participant.identity, source, isLocal ? "You" : participant.name);
      var el = track.attach();
      el.muted = true;
      tile.insertBefore(el, tile.firstChild);
    } else if (!isLocal && track.kind === "audio") {
      var audio = track.attach();
      audio.dataset.identity = participant.identity;
      document.body.appendChild(audio);
    }
  }

  function detach(track, participant) {
    track.detach().forEach(function (el) { el.remove(); });
    if (track.kind === "video") {
      var source = track.source === "screen_share" ? "screen_share" : "camera";
      var tile = document.getElementById("tile-" + participant.identity + "-" + source);
      if (tile) tile.remove();
    }
  }

  function setToggle(button, on, onText, offText) {
    button.textContent = on ? onText : offText;
    button.setAttribute("aria-pressed", on ? "false" : "true");
  }

  function setUpMedia(choice) {
    var lk = room.livekit;
    var local = room.localParticipant;
    room.on("trackSubscribed", function (track, pub, participant) { attach(track, participant, false); });
    room.on("trackUnsubscribed", function (track, pub, participant) { detach(track, participant); });
    room.on("localTrackPublished", function (pub) { if (pub.track) attach(pub.track, local, true); });
    room.on("localTrackUnpublished", function (pub) { if (pub.track) detach(pub.track, local); });
    room.on("participantDisconnected", function (participant) {
      Array.prototype.forEach.call(document.querySelectorAll('.tile[data-identity="' + CSS.escape(participant.identity) + '"]'),
        function (tile) { tile.remove(); });
    });
    room.on("reconnecting", function () { banner("Video connection lost. Reconnecting…"); });
    room.on("reconnected", function () { banner(null); });
    room.on("disconnected", function (reason) {
      if (ended) return;
      // LiveKit kicked us (removed, room deleted) or gave up reconnecting.
      Switchboard.info(base, room.token).then(
        function () { end({ code: "network_error", message: "The video connection dropped." }); },
        function (err) { end(err); }
      );
    });
    lk.remoteParticipants.forEach(function (participant) {
      participant.trackPublications.forEach(function (pub) { if (pub.track && pub.isSubscribed) attach(pub.track, participant, false); });
    });

    var camOn = false, micOn = false, shareOn = false;
    var mic = $("toggle-mic"), cam = $("toggle-camera"), share = $("toggle-share");
    mic.hidden = !canPublish("microphone");
    cam.hidden = !canPublish("camera");
    share.hidden = !canPublish("screen_share") || !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia;
    function fail(what) { return function (err) { banner("Could not " + what + ": " + (err && err.message || err)); }; }
    function updateButtons() {
      setToggle(mic, micOn, "Mute", "Unmute");
      setToggle(cam, camOn, "Stop video", "Start video");
      setToggle(share, shareOn, "Stop sharing", "Share screen");
    }
    mic.onclick = function () { local.setMicrophoneEnabled(!micOn).then(function () { micOn = !micOn; updateButtons(); }, fail("change the microphone")); };
    cam.onclick = function () { local.setCameraEnabled(!camOn).then(function () { camOn = !camOn; updateButtons(); }, fail("change the camera")); };
    share.onclick = function () { local.setScreenShareEnabled(!shareOn).then(function () { shareOn = !shareOn; updateButtons(); }, fail("share the screen")); };
    local.on("localTrackUnpublished", function (pub) {
      if (pub.source === "screen_share") { shareOn = false; updateButtons(); }
    });
    updateButtons();
    if (choice.camera) {
      local.setCameraEnabled(true, choice.camera === true ? undefined : { deviceId: choice.camera })
        .then(function () { camOn = true; updateButtons(); }, fail("start the camera"));
    }
    if (choice.mic) {
      local.setMicrophoneEnabled(true, choice.mic === true ? undefined : { deviceId: choice.mic })
        .then(function () { micOn = true; updateButtons(); }, fail("start the microphone"));
    }
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
