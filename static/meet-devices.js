/*
 * The device check before joining: camera preview (initials when the camera is off), a
 * microphone level meter, a speaker test tone, device pickers, and help when the browser
 * blocks access or finds no device. Used by meet.js as SwitchboardMeet.devices.
 */
(function (global) {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var stream = null, audioCtx = null, meterFrame = null, canPublish = null;

  function initials(name) {
    var parts = String(name || "?").trim().split(/[\s._@-]+/).filter(Boolean);
    var letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || "?").slice(0, 2);
    return letters.toUpperCase();
  }

  function context() {
    var Ctx = global.AudioContext || global.webkitAudioContext;
    if (!audioCtx && Ctx) audioCtx = new Ctx();
    return audioCtx;
  }

  function stopMeter() {
    if (meterFrame) cancelAnimationFrame(meterFrame);
    meterFrame = null;
    $("mic-level").style.width = "0%";
    $("mic-meter").setAttribute("aria-valuenow", "0");
  }

  function startMeter(track) {
    stopMeter();
    var ctx = context();
    if (!ctx || !track) return;
    var source = ctx.createMediaStreamSource(new MediaStream([track]));
    var analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    var data = new Uint8Array(analyser.fftSize);
    var shown = 0;
    (function tick() {
      analyser.getByteTimeDomainData(data);
      var peak = 0;
      for (var i = 0; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i] - 128));
      var level = Math.min(100, Math.round((peak / 128) * 140));
      shown = Math.max(level, shown - 4);
      $("mic-level").style.width = shown + "%";
      $("mic-meter").setAttribute("aria-valuenow", String(shown));
      meterFrame = requestAnimationFrame(tick);
    })();
  }

  function stop() {
    stopMeter();
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }

  function fillSelect(select, devices, kind, current) {
    select.innerHTML = "";
    devices.filter(function (d) { return d.kind === kind; }).forEach(function (d, i) {
      var option = document.createElement("option");
      option.value = d.deviceId;
      var noun = { videoinput: "Camera ", audioinput: "Microphone ", audiooutput: "Speaker " }[kind];
      option.textContent = d.label || noun + (i + 1);
      if (d.deviceId === current) option.selected = true;
      select.appendChild(option);
    });
    return select.options.length;
  }

  var HELP = {
    NotAllowedError: ["Your browser blocked the camera and microphone.", [
      "Click the camera or lock icon in the address bar and allow the camera and microphone.",
      "Then press Try again. You can also join without them and use the chat.",
    ]],
    NotFoundError: ["No camera or microphone was found.", [
      "Plug one in or turn it on, then press Try again.",
      "You can also join without them: others will see your initials.",
    ]],
    NotReadableError: ["Your camera or microphone is in use by another app.", [
      "Close other apps that use it (another call, for example), then press Try again.",
    ]],
  };

  function help(err) {
    var box = $("device-help");
    if (!err) { box.hidden = true; return; }
    var entry = HELP[err.name] || ["The camera or microphone could not start (" + (err.name || "error") + ").", [
      "Pick another device below, or press Try again.",
    ]];
    $("device-error").textContent = entry[0];
    var steps = $("device-steps");
    steps.innerHTML = "";
    entry[1].forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      steps.appendChild(li);
    });
    box.hidden = false;
  }

  function showCameraOff(off) {
    $("preview-off").hidden = !off;
    $("preview").hidden = off;
  }

  function preview() {
    stop();
    var wantCam = canPublish("camera") && $("use-camera").checked;
    var wantMic = canPublish("microphone") && $("use-mic").checked;
    help(null);
    showCameraOff(!wantCam);
    $("mic-meter").classList.toggle("off", !wantMic);
    if (!wantCam && !wantMic) { $("preview").srcObject = null; return Promise.resolve(); }
    var constraints = {
      video: wantCam ? ($("camera-select").value ? { deviceId: { exact: $("camera-select").value } } : true) : false,
      audio: wantMic ? ($("mic-select").value ? { deviceId: { exact: $("mic-select").value } } : true) : false,
    };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (got) {
      stream = got;
      $("preview").srcObject = got;
      var cam = got.getVideoTracks()[0], mic = got.getAudioTracks()[0];
      startMeter(mic);
      return navigator.mediaDevices.enumerateDevices().then(function (devices) {
        fillSelect($("camera-select"), devices, "videoinput", cam && cam.getSettings().deviceId);
        fillSelect($("mic-select"), devices, "audioinput", mic && mic.getSettings().deviceId);
        var outputs = fillSelect($("speaker-select"), devices, "audiooutput", $("speaker-select").value);
        $("speaker-select").hidden = !outputs || !("setSinkId" in HTMLMediaElement.prototype);
      });
    }).catch(function (err) {
      $("preview").srcObject = null;
      showCameraOff(true);
      help(err);
    });
  }

  /* A short two-note chime through the chosen speaker. */
  function testSpeaker() {
    var ctx = context();
    if (!ctx) return;
    var button = $("speaker-test");
    var sink = $("speaker-select").value;
    var play = function () {
      var now = ctx.currentTime;
      [[660, 0], [880, 0.25]].forEach(function (note) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.frequency.value = note[0];
        gain.gain.setValueAtTime(0.0001, now + note[1]);
        gain.gain.exponentialRampToValueAtTime(0.3, now + note[1] + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + note[1] + 0.4);
        osc.connect(gain).connect(ctx.destination);
        osc.start(now + note[1]);
        osc.stop(now + note[1] + 0.45);
      });
      button.textContent = "Playing… did you hear it?";
      setTimeout(function () { button.textContent = "Test speaker"; }, 1500);
    };
    var ready = ctx.state === "suspended" ? ctx.resume() : Promise.resolve();
    if (sink && ctx.setSinkId) ready = ready.then(function () { return ctx.setSinkId(sink); }).catch(function () {});
    ready.then(play);
  }

  function start(info, can) {
    canPublish = can;
    $("preview-initials").textContent = initials(info.name);
    $("use-camera").parentNode.hidden = $("camera-select").hidden = !can("camera");
    $("use-mic").parentNode.hidden = $("mic-select").hidden = !can("microphone");
    $("level-label").hidden = $("mic-meter").hidden = !can("microphone");
    ["use-camera", "use-mic", "camera-select", "mic-select"].forEach(function (id) { $(id).onchange = preview; });
    $("device-retry").onclick = preview;
    $("speaker-test").onclick = testSpeaker;
    return preview();
  }

  /* What the person chose: a device id, true (default device) or null (off). */
  function choice() {
    return {
      camera: canPublish("camera") && $("use-camera").checked && stream && stream.getVideoTracks().length ? $("camera-select").value || true : null,
      mic: canPublish("microphone") && $("use-mic").checked && stream && stream.getAudioTracks().length ? $("mic-select").value || true : null,
      speaker: $("speaker-select").value || null,
    };
  }

  global.SwitchboardMeet = global.SwitchboardMeet || {};
  global.SwitchboardMeet.devices = { start: start, stop: stop, choice: choice };
  global.SwitchboardMeet.initials = initials;
})(window);
