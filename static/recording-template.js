// LiveKit Egress opens this page with ?url=&token=&layout= and records the screen from the
// moment it logs START_RECORDING; END_RECORDING ends the recording (the room is over).
(function () {
  const q = new URLSearchParams(location.search);
  const layout = ["grid", "speaker", "single"].includes(q.get("layout")) ? q.get("layout") : "grid";
  document.body.className = layout;
  const stage = document.getElementById("stage");
  const LK = LivekitClient;
  const room = new LK.Room({ adaptiveStream: false, dynacast: false });
  const tiles = new Map();
  let started = false, ended = false, speaker = null;

  function start() { if (!started) { started = true; console.log("START_RECORDING"); } }
  function end() { if (!ended) { ended = true; console.log("END_RECORDING"); } }

  function tile(p) {
    let t = tiles.get(p.identity);
    if (!t) {
      t = document.createElement("div");
      t.className = "tile";
      const initials = document.createElement("div");
      initials.className = "initials";
      initials.textContent = (p.name || p.identity).slice(0, 2).toUpperCase();
      const label = document.createElement("div");
      label.className = "name";
      label.textContent = p.name || p.identity;
      t.append(initials, label);
      stage.append(t);
      tiles.set(p.identity, t);
    }
    return t;
  }
  function arrange() {
    const list = [...tiles.values()];
    const main = tiles.get(speaker) || list.find((t) => t.querySelector("video")) || list[0];
    list.forEach((t) => t.classList.toggle("main", t === main));
    if (layout === "grid") {
      const cols = Math.ceil(Math.sqrt(Math.max(1, list.length)));
      stage.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
    }
  }
  room.on(LK.RoomEvent.ParticipantConnected, (p) => { tile(p); arrange(); });
  room.on(LK.RoomEvent.ParticipantDisconnected, (p) => {
    const t = tiles.get(p.identity);
    if (t) { t.remove(); tiles.delete(p.identity); }
    arrange();
  });
  room.on(LK.RoomEvent.TrackSubscribed, (track, pub, p) => {
    const el = track.attach();
    if (track.kind === "video") {
      el.muted = true;
      const t = tile(p);
      t.querySelector(".initials").hidden = true;
      t.prepend(el);
      el.addEventListener("playing", start, { once: true });
      if (el.readyState >= 2) start();
    } else {
      document.body.append(el);
    }
    // Cameras off or sound only: record what there is rather than wait for video forever.
    setTimeout(start, 2000);
    arrange();
  });
  room.on(LK.RoomEvent.ActiveSpeakersChanged, (speakers) => {
    tiles.forEach((t, id) => t.classList.toggle("speaking", speakers.some((s) => s.identity === id)));
    if (speakers.length && speakers[0].identity !== room.localParticipant.identity) {
      speaker = speakers[0].identity;
      arrange();
    }
  });
  room.on(LK.RoomEvent.Disconnected, end);
  room.connect(q.get("url"), q.get("token")).then(() => {
    room.remoteParticipants.forEach((p) => tile(p));
    arrange();
    if (room.remoteParticipants.size) setTimeout(start, 4000);
  }).catch((e) => { console.error("recording page could not connect", e); end(); });
})();
