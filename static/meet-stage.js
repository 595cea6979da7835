/*
 * The call's stage: one tile per person (video, or their initials when the camera is off),
 * name labels with muted / camera-off badges, the active speaker highlighted, a connection
 * quality indicator, screen shares as the large tile with people beside it, and the media
 * controls. Used by meet.js as SwitchboardMeet.stage.start(room, info, hooks).
 */
(function (global) {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var QUALITY_WORDS = { excellent: "excellent", good: "good", poor: "poor", lost: "lost", unknown: "unknown" };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function qualityBars(node, quality) {
    quality = QUALITY_WORDS[quality] ? quality : "unknown";
    node.dataset.quality = quality;
    node.setAttribute("aria-label", (node.id === "my-quality" ? "Your connection: " : "Connection: ") + quality);
    node.title = node.getAttribute("aria-label");
  }

  function Stage(room, info, hooks) {
    this.room = room;
    this.lk = room.livekit;
    this.info = info;
    this.hooks = hooks;
    this.tiles = new Map();   // identity -> person tile
    this.screens = new Map(); // identity -> screen tile
    this.speaking = new Set();
    var stage = $("stage");
    stage.innerHTML = "";
    this.screenArea = el("div", "screens");
    this.people = el("div", "people");
    stage.appendChild(this.screenArea);
    stage.appendChild(this.people);
  }

  Stage.prototype.participants = function () {
    var list = [this.lk.localParticipant];
    this.lk.remoteParticipants.forEach(function (p) { list.push(p); });
    return list;
  };

  Stage.prototype.personTile = function (p, isLocal) {
    var tile = this.tiles.get(p.identity);
    if (tile) return tile;
    tile = el("div", "tile person" + (isLocal ? " local" : ""));
    tile.dataset.identity = p.identity;
    tile.dataset.source = "camera";
    tile.setAttribute("role", "group");
    var name = (p.name || p.identity) + (isLocal ? " (you)" : "");
    tile.setAttribute("aria-label", name);
    var avatar = el("div", "avatar-wrap");
    avatar.appendChild(el("span", "avatar", global.SwitchboardMeet.initials(p.name || p.identity)));
    avatar.firstChild.setAttribute("aria-hidden", "true");
    tile.appendChild(avatar);
    var label = el("div", "label");
    label.appendChild(el("span", "name", name));
    var mic = el("span", "badge-icon mic-off", "");
    mic.setAttribute("role", "img");
    mic.setAttribute("aria-label", "microphone muted");
    mic.title = "Microphone muted";
    var cam = el("span", "badge-icon cam-off", "");
    cam.setAttribute("role", "img");
    cam.setAttribute("aria-label", "camera off");
    cam.title = "Camera off";
    label.appendChild(mic);
    label.appendChild(cam);
    tile.appendChild(label);
    var quality = el("span", "quality");
    quality.setAttribute("role", "img");
    quality.innerHTML = "<i></i><i></i><i></i>";
    tile.appendChild(quality);
    this.tiles.set(p.identity, tile);
    if (isLocal) this.people.insertBefore(tile, this.people.firstChild);
    else this.people.appendChild(tile);
    return tile;
  };

  /* Put `track`'s video in `tile` (or take it out when track is null). */
  function showVideo(tile, track, fit) {
    if (tile.videoTrack === track) return;
    if (tile.videoTrack) tile.videoTrack.detach(tile.video);
    if (tile.video) tile.video.remove();
    tile.video = null;
    tile.videoTrack = track;
    if (!track) return;
    var video = track.attach();
    video.muted = true;
    video.playsInline = true;
    video.className = fit || "";
    tile.insertBefore(video, tile.firstChild);
    tile.video = video;
  }

  Stage.prototype.render = function () {
    var self = this;
    var seen = new Set(), sharing = new Set();
    var local = this.lk.localParticipant;
    this.participants().forEach(function (p) {
      var isLocal = p === local;
      seen.add(p.identity);
      var tile = self.personTile(p, isLocal);
      var cam = p.getTrackPublication("camera");
      var mic = p.getTrackPublication("microphone");
      var camTrack = cam && cam.track && !cam.isMuted ? cam.track : null;
      showVideo(tile, camTrack, isLocal ? "mirror" : "");
      tile.classList.toggle("camera-off", !camTrack);
      tile.classList.toggle("mic-off", !mic || mic.isMuted || !mic.track && isLocal);
      tile.classList.toggle("speaking", self.speaking.has(p.identity));
      qualityBars(tile.querySelector(".quality"), p.connectionQuality);
      var share = p.getTrackPublication("screen_share");
      if (share && share.track && !share.isMuted) {
        sharing.add(p.identity);
        var screen = self.screens.get(p.identity);
        if (!screen) {
          screen = el("div", "tile screen");
          screen.dataset.identity = p.identity;
          screen.dataset.source = "screen_share";
          screen.setAttribute("role", "group");
          var who = isLocal ? "Your screen" : (p.name || p.identity) + "'s screen";
          screen.setAttribute("aria-label", who);
          var label = el("div", "label");
          label.appendChild(el("span", "name", who));
          screen.appendChild(label);
          self.screens.set(p.identity, screen);
          self.screenArea.appendChild(screen);
        }
        showVideo(screen, share.track, "contain");
      }
    });
    this.tiles.forEach(function (tile, identity) {
      if (!seen.has(identity)) { showVideo(tile, null); tile.remove(); self.tiles.delete(identity); }
    });
    this.screens.forEach(function (tile, identity) {
      if (!sharing.has(identity)) { showVideo(tile, null); tile.remove(); self.screens.delete(identity); }
    });
    var count = this.tiles.size;
    var stage = $("stage");
    stage.dataset.count = String(count);
    stage.dataset.layout = count <= 1 ? "1" : count === 2 ? "2" : count <= 4 ? "4" : count <= 9 ? "9" : "many";
    stage.classList.toggle("has-screen", this.screens.size > 0);
    qualityBars($("my-quality"), local.connectionQuality);
  };

  Stage.prototype.attachAudio = function (track, participant) {
    if (track.kind !== "audio") return;
    var audio = track.attach();
    audio.dataset.identity = participant.identity;
    var sink = this.hooks.speaker;
    if (sink && audio.setSinkId) audio.setSinkId(sink).catch(function () {});
    document.body.appendChild(audio);
  };

  Stage.prototype.controls = function (choice) {
    var local = this.lk.localParticipant, hooks = this.hooks, self = this;
    var mic = $("toggle-mic"), cam = $("toggle-camera"), share = $("toggle-share");
    mic.hidden = !hooks.canPublish("microphone");
    cam.hidden = !hooks.canPublish("camera");
    share.hidden = !hooks.canPublish("screen_share") || !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia;
    function set(button, on, onText, offText, offIsBad) {
      button.textContent = on ? onText : offText;
      button.setAttribute("aria-pressed", on ? "false" : "true");
      button.classList.toggle("off", !on && offIsBad);
      button.classList.toggle("active", on && !offIsBad);
    }
    function update() {
      set(mic, local.isMicrophoneEnabled, "Mute", "Unmute", true);
      set(cam, local.isCameraEnabled, "Stop video", "Start video", true);
      set(share, local.isScreenShareEnabled, "Stop sharing", "Share screen", false);
      self.render();
    }
    function fail(what) {
      return function (err) { hooks.banner("Could not " + what + ": " + ((err && err.message) || err), "error"); update(); };
    }
    mic.onclick = function () { local.setMicrophoneEnabled(!local.isMicrophoneEnabled).then(update, fail("change the microphone")); };
    cam.onclick = function () { local.setCameraEnabled(!local.isCameraEnabled).then(update, fail("change the camera")); };
    share.onclick = function () {
      local.setScreenShareEnabled(!local.isScreenShareEnabled).then(update, function (err) {
        if (err && err.name === "NotAllowedError") update(); // the person cancelled the picker
        else fail("share the screen")(err);
      });
    };
    update();
    if (choice.camera) {
      local.setCameraEnabled(true, choice.camera === true ? undefined : { deviceId: choice.camera }).then(update, fail("start the camera"));
    }
    if (choice.mic) {
      local.setMicrophoneEnabled(true, choice.mic === true ? undefined : { deviceId: choice.mic }).then(update, fail("start the microphone"));
    }
    return update;
  };

  /* When the server ends a connection (removal, room closed), the SCTP abort can reach the
     browser before LiveKit's leave message, and livekit-client logs the data channels'
     teardown as errors. It already stays quiet when the page disconnects itself
     (livekit/client-sdk-js#1953); those messages, and only those, become warnings here. */
  var TEARDOWN = /^(DataChannel error on (lossy|reliable): User-Initiated Abort|publisher data channel '\w+' closed unexpectedly)/;
  function quietTeardown(LK) {
    if (!LK || !LK.getLogger || quietTeardown.done) return;
    quietTeardown.done = true;
    var logger = LK.getLogger("livekit-engine");
    var factory = logger.methodFactory;
    logger.methodFactory = function (name, level, loggerName) {
      var raw = factory(name, level, loggerName);
      if (name !== "error") return raw;
      var warn = factory("warn", level, loggerName);
      return function (msg) { return (TEARDOWN.test(String(msg)) ? warn : raw).apply(this, arguments); };
    };
    logger.setLevel(logger.getLevel());
  }

  function start(room, info, hooks) {
    quietTeardown(global.LivekitClient);
    var stage = new Stage(room, info, hooks);
    var render = function () { stage.render(); };
    var LK = global.LivekitClient;
    room.on("trackSubscribed", function (track, pub, participant) { stage.attachAudio(track, participant); render(); });
    room.on("trackUnsubscribed", function (track) { track.detach().forEach(function (node) { node.remove(); }); render(); });
    ["trackMuted", "trackUnmuted", "trackPublished", "trackUnpublished", "localTrackPublished", "localTrackUnpublished", "participantConnected",
      "participantDisconnected", "connectionQualityChanged", "participantNameChanged"].forEach(function (name) {
      room.on(name, render);
    });
    room.on("activeSpeakersChanged", function (speakers) {
      stage.speaking = new Set(speakers.map(function (p) { return p.identity; }));
      render();
    });
    room.on("reconnecting", function () { hooks.banner("Your connection dropped. Reconnecting…", "warn"); });
    room.on("reconnected", function () { hooks.banner(null); });
    room.on("disconnected", function (reason) {
      var R = LK && LK.DisconnectReason;
      if (R && reason === R.PARTICIPANT_REMOVED) return hooks.end({ code: "removed" });
      if (R && reason === R.ROOM_DELETED) return hooks.end({ code: "room_closed" });
      hooks.dropped();
    });
    stage.lk.remoteParticipants.forEach(function (participant) {
      participant.trackPublications.forEach(function (pub) {
        if (pub.track && pub.isSubscribed) stage.attachAudio(pub.track, participant);
      });
    });
    stage.controls(hooks.choice);
    return stage;
  }

  global.SwitchboardMeet = global.SwitchboardMeet || {};
  global.SwitchboardMeet.stage = { start: start, quietTeardown: quietTeardown };
})(window);
