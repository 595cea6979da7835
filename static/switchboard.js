/*
 * switchboard.js: the browser client for Switchboard rooms. Plain JavaScript, no build step.
 *
 *   <script src="/static/vendor/livekit-client.umd.js"></script>   <!-- only for video/audio -->
 *   <script src="/static/switchboard.js"></script>
 *
 *   const room = await Switchboard.connect("https://switchboard.example.com", token);
 *   room.chat.on("message.created", (msg) => console.log(msg.from, msg.body));
 *   await room.chat.send({ body: "Hi, ready when you are." });   // resolves with the ack {id, seq}
 *   room.chat.on("typing", (t) => showTyping(t.identity, t.active));
 *   room.chat.on("presence", (participants) => renderRoster(participants));
 *   await room.localParticipant.enableCameraAndMicrophone();       // rooms with video
 *   room.on("trackSubscribed", (track, publication, participant) => track.attach(el));
 *
 * `url` is the Switchboard base URL: scheme, host and optional path prefix where Switchboard
 * is served (its PUBLIC_URL, e.g. "https://switchboard.example.com"), never the LiveKit URL.
 * The client first calls `GET <url>/api/v1/realtime/info?token=…`, which answers the room's
 * capabilities, what the token may do, `realtime_url` (the chat WebSocket) and `livekit_url`
 * (where media connects). Chat then opens `<ws(s) form of url>/api/v1/realtime?token=…`.
 *
 * The first chat connect replays the room's stored messages (since=0), oldest first.
 * Chat reconnects by itself (exponential backoff with jitter, 0.5 s doubling to 15 s) and
 * resumes with `since=<last seq received>`, so no message is missed or repeated. It stops
 * for good on close codes 4401 (token bad/expired/revoked or participant removed), 4403
 * (no chat in this room) and 4404 (room closed); listen with `room.on("closed", fn)`.
 * Messages sent while disconnected wait and go out on reconnect; a message sent but not yet
 * acknowledged when the connection drops rejects with code `connection_lost` (it may have
 * been stored: the replay on reconnect shows it if so).
 *
 * Waiting rooms: a token that waits (`room.info.waiting`) connects to LiveKit hidden and
 * without rights, and its chat socket hears only `room.chat.on("waiting.message", m)`,
 * `"waiting.admitted"` (the socket then reconnects into the room by itself; LiveKit grants the
 * rights on the same connection) or a close with `waiting.denied {message}` first. Hosts get
 * `room.chat.on("waiting", (list, change) => …)` and `room.chat.admit(identity)`,
 * `.deny(identity, message)`, `.messageWaiting(body, identity?)` (each resolves on the ack).
 */
(function (global) {
  "use strict";

  var FINAL_CODES = { 4400: "bad_request", 4401: "unauthorized", 4403: "forbidden", 4404: "room_closed" };

  function SwitchboardError(code, message, status) {
    var err = new Error(message);
    err.name = "SwitchboardError";
    err.code = code;
    err.status = status;
    return err;
  }

  function Emitter() {
    this._handlers = {};
  }
  Emitter.prototype.on = function (event, fn) {
    (this._handlers[event] = this._handlers[event] || []).push(fn);
    return this;
  };
  Emitter.prototype.off = function (event, fn) {
    var list = this._handlers[event] || [];
    this._handlers[event] = list.filter(function (h) { return h !== fn; });
    return this;
  };
  Emitter.prototype.emit = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this._handlers[event] || []).slice().forEach(function (fn) {
      try { fn.apply(null, args); } catch (e) { setTimeout(function () { throw e; }); }
    });
  };

  function baseUrl(url) {
    return String(url || global.location.origin).replace(/\/+$/, "");
  }

  /** GET /api/v1/realtime/info for `token`; rejects with SwitchboardError(code, message, status). */
  function info(url, token) {
    var endpoint = baseUrl(url) + "/api/v1/realtime/info?token=" + encodeURIComponent(token || "");
    return global.fetch(endpoint, { credentials: "omit", cache: "no-store" }).then(
      function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) return body.data;
          var error = body.error || {};
          throw SwitchboardError(error.code || "http_" + response.status, error.message || "Request failed.", response.status);
        });
      },
      function () {
        throw SwitchboardError("network_error", "Switchboard could not be reached. Check your connection.", 0);
      }
    );
  }

  /* ---------------------------------------------------------------- chat over WebSocket */

  function Chat(socketUrl, token, options) {
    Emitter.call(this);
    // A waiting-room token's socket hears no presence: it counts as open once connected,
    // until `waiting.admitted` (then close 4000 and a reconnect into the room).
    this.waiting = !!(options && options.waiting);
    this.mayAdmit = false;
    this.queue = {}; // hosts: the waiting room, identity -> {identity, name, role, waiting_since}
    this.url = socketUrl;
    this.token = token;
    this.lastSeq = 0; // the first connect replays the stored history (since=0)
    this.participants = {};
    this.state = "connecting";
    this._socket = null;
    this._outbox = [];
    this._pending = {};
    this._refs = 0;
    this._attempt = 0;
    this._timer = null;
    this._pinger = null;
    this._stopped = false;
    this._opened = null;
  }
  Chat.prototype = Object.create(Emitter.prototype);

  Chat.prototype._setState = function (state, detail) {
    this.state = state;
    this.emit("status", state, detail || {});
  };

  /** Opens the socket; resolves on the first presence.state, rejects on a refusal. */
  Chat.prototype.open = function () {
    var self = this;
    return new Promise(function (resolve, reject) {
      self._opened = { resolve: resolve, reject: reject };
      self._dial();
    });
  };

  Chat.prototype._dial = function () {
    var self = this;
    var url = this.url + "?token=" + encodeURIComponent(this.token);
    url += "&since=" + this.lastSeq;
    var socket = new global.WebSocket(url);
    this._socket = socket;
    socket.onmessage = function (event) { self._onFrame(event.data); };
    socket.onopen = function () { if (self.waiting) self._ready(); };
    socket.onclose = function (event) { self._onClose(socket, event.code, event.reason); };
  };

  Chat.prototype._onFrame = function (raw) {
    var frame;
    try { frame = JSON.parse(raw); } catch (e) { return; }
    var data = frame.data || {};
    switch (frame.event) {
      case "presence.state":
        this.participants = {};
        (data.participants || []).forEach(function (p) { this.participants[p.identity] = p; }, this);
        this._ready();
        this.emit("presence", this.roster(), { type: "state" });
        break;
      case "waiting.state":
        this.mayAdmit = true; // only hosts' sockets hear of the waiting room
        this.queue = {};
        (data.waiting || []).forEach(function (p) { this.queue[p.identity] = p; }, this);
        this.emit("waiting", this.waitingList(), { type: "state" });
        break;
      case "waiting.joined":
        var fresh = !this.queue[data.identity];
        this.queue[data.identity] = data;
        this.emit("waiting", this.waitingList(), { type: fresh ? "joined" : "updated", participant: data });
        break;
      case "waiting.left":
        var left = this.queue[data.identity] || data;
        delete this.queue[data.identity];
        this.emit("waiting", this.waitingList(), { type: "left", participant: left, status: data.status });
        break;
      case "waiting.admitted":
        this.waiting = false; // the close (4000) that follows reconnects into the room
        this.emit("waiting.admitted", data);
        break;
      case "presence.joined":
        this.participants[data.identity] = data;
        this.emit("presence", this.roster(), { type: "joined", participant: data });
        break;
      case "presence.left":
        var gone = this.participants[data.identity] || data;
        delete this.participants[data.identity];
        this.emit("presence", this.roster(), { type: "left", participant: gone });
        break;
      case "message.created":
        if (data.seq <= this.lastSeq) return; // already shown
        this.lastSeq = data.seq;
        this.emit("message.created", data);
        break;
      case "ack":
        this._settle(frame.ref, null, data);
        break;
      case "error":
        if (frame.ref !== undefined && this._pending[frame.ref]) {
          this._settle(frame.ref, SwitchboardError(data.code, data.message), null);
        } else {
          this.emit("error", SwitchboardError(data.code, data.message));
        }
        break;
      case "typing":
        this.emit("typing", data);
        break;
      case "room.closed":
        this.emit("room.closed", data);
        break;
      default:
        this.emit(frame.event, data, frame.ref);
    }
  };

  Chat.prototype._ready = function () {
    this._attempt = 0;
    this._setState("open");
    this._flush();
    this._startPing();
    if (this._opened) { this._opened.resolve(this); this._opened = null; }
  };

  /** Hosts: the people in the waiting room, longest waiting first. */
  Chat.prototype.waitingList = function () {
    var self = this;
    return Object.keys(this.queue).map(function (k) { return self.queue[k]; }).sort(function (a, b) {
      return String(a.waiting_since).localeCompare(String(b.waiting_since));
    });
  };

  Chat.prototype._onClose = function (socket, code, reason) {
    if (socket !== this._socket) return;
    this._stopPing();
    this._socket = null;
    var self = this;
    Object.keys(this._pending).forEach(function (ref) {
      self._settle(ref, SwitchboardError("connection_lost", "The connection dropped before the message was acknowledged."), null);
    });
    if (this._stopped) { this._setState("closed", { code: code, reason: reason }); return; }
    if (FINAL_CODES[code]) {
      this._stopped = true;
      var err = SwitchboardError(FINAL_CODES[code], reason || "The chat connection was refused.", code);
      err.closeCode = code;
      this._setState("closed", { code: code, reason: reason, error: err });
      this.emit("closed", { code: code, reason: reason, error: err });
      if (this._opened) { this._opened.reject(err); this._opened = null; }
      return;
    }
    if (code === 4000) this._attempt = 0; // admitted from the waiting room: straight back in
    var delay = Math.min(15000, 500 * Math.pow(2, this._attempt)) * (0.75 + Math.random() * 0.5);
    if (code === 4000) delay = 100;
    this._attempt += 1;
    this._setState("reconnecting", { code: code, attempt: this._attempt, delay: delay });
    this._timer = setTimeout(function () { self._timer = null; if (!self._stopped) self._dial(); }, delay);
  };

  Chat.prototype._startPing = function () {
    var self = this;
    this._stopPing();
    this._pinger = setInterval(function () { self._raw({ event: "ping", data: {} }); }, 25000);
  };
  Chat.prototype._stopPing = function () {
    if (this._pinger) clearInterval(this._pinger);
    this._pinger = null;
  };

  Chat.prototype._raw = function (frame) {
    if (this._socket && this._socket.readyState === 1 && this.state === "open") {
      this._socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  Chat.prototype._flush = function () {
    var queued = this._outbox;
    this._outbox = [];
    queued.forEach(function (frame) { if (!this._raw(frame)) this._outbox.push(frame); }, this);
  };

  Chat.prototype._settle = function (ref, error, value) {
    var pending = this._pending[ref];
    if (!pending) return;
    delete this._pending[ref];
    if (error) pending.reject(error); else pending.resolve(value);
  };

  /** Send a chat message; resolves with the ack {ref, id, seq}. */
  Chat.prototype.send = function (message) {
    var body = message && typeof message === "object" ? message.body : message;
    if (this._stopped) return Promise.reject(SwitchboardError("closed", "The chat connection is closed."));
    var self = this;
    var ref = "m" + (++this._refs);
    var frame = { event: "chat.message", data: { body: body }, ref: ref };
    return new Promise(function (resolve, reject) {
      self._pending[ref] = { resolve: resolve, reject: reject };
      if (!self._raw(frame)) self._outbox.push(frame);
    });
  };

  /** Send any other client frame (e.g. `recording.consent`); resolves with its `ack`, rejects
   *  with its `error` {code, message}. Queued while reconnecting, like messages. */
  Chat.prototype.request = function (event, data) {
    if (this._stopped) return Promise.reject(SwitchboardError("closed", "The chat connection is closed."));
    var self = this;
    var ref = "r" + (++this._refs);
    var frame = { event: event, data: data || {}, ref: ref };
    return new Promise(function (resolve, reject) {
      self._pending[ref] = { resolve: resolve, reject: reject };
      if (!self._raw(frame)) self._outbox.push(frame);
    });
  };

  /** Hosts: let `identity` in from the waiting room. */
  Chat.prototype.admit = function (identity) {
    return this.request("waiting.admit", { identity: identity });
  };

  /** Hosts: turn `identity` away, with an optional message they will see. */
  Chat.prototype.deny = function (identity, message) {
    var data = { identity: identity };
    if (message) data.message = message;
    return this.request("waiting.deny", data);
  };

  /** Hosts: a message to one waiting person (`identity`) or, without it, to all of them. */
  Chat.prototype.messageWaiting = function (body, identity) {
    var data = { body: body };
    if (identity) data.identity = identity;
    return this.request("waiting.message", data);
  };

  /** Tell the others you are (or stopped) typing. Dropped while disconnected. */
  Chat.prototype.typing = function (active) {
    this._raw({ event: "typing", data: { active: !!active } });
  };

  /** Everyone connected to the chat: [{identity, name, role, joined_at}]. */
  Chat.prototype.roster = function () {
    var self = this;
    return Object.keys(this.participants).map(function (k) { return self.participants[k]; });
  };

  Chat.prototype.close = function () {
    this._stopped = true;
    if (this._timer) clearTimeout(this._timer);
    this._stopPing();
    if (this._socket) this._socket.close(1000, "leaving");
    else this._setState("closed", { code: 1000 });
  };

  /* -------------------------------------------------------------------- the room */

  function Room(base, token, details) {
    Emitter.call(this);
    this.url = base;
    this.token = token;
    this.info = details;
    this.chat = null;
    this.livekit = null;
    this.mediaError = null;
  }
  Room.prototype = Object.create(Emitter.prototype);

  /* LiveKit room events (trackSubscribed, participantConnected, …) and Switchboard's own
     ("closed", "media.error") share room.on(). */
  Room.prototype.on = function (event, fn) {
    if (this.livekit && !/^(closed|media\.error|room\.closed)$/.test(event)) this.livekit.on(event, fn);
    else Emitter.prototype.on.call(this, event, fn);
    return this;
  };
  Room.prototype.off = function (event, fn) {
    if (this.livekit) this.livekit.off(event, fn);
    Emitter.prototype.off.call(this, event, fn);
    return this;
  };
  Object.defineProperty(Room.prototype, "localParticipant", {
    get: function () { return this.livekit ? this.livekit.localParticipant : null; },
  });
  Object.defineProperty(Room.prototype, "remoteParticipants", {
    get: function () { return this.livekit ? this.livekit.remoteParticipants : new Map(); },
  });

  Room.prototype.disconnect = function () {
    if (this.chat) this.chat.close();
    if (this.livekit) return this.livekit.disconnect();
    return Promise.resolve();
  };

  /**
   * Switchboard.connect(url, token, options) -> Promise<Room>
   * options.media (default true): join LiveKit when the room has video or audio (needs
   *   livekit-client.umd.js loaded first, global LivekitClient).
   * options.livekitOptions: passed to `new LivekitClient.Room(...)`.
   * Rejects with SwitchboardError: code `unauthorized` (token bad, expired or revoked),
   * `room_closed`, `network_error`.
   */
  function connect(url, token, options) {
    options = options || {};
    var base = baseUrl(url);
    return info(base, token).then(function (details) {
      var room = new Room(base, token, details);
      var tasks = [];
      if (details.realtime_url) {
        var socketUrl = base.replace(/^http/, "ws") + "/api/v1/realtime";
        room.chat = new Chat(socketUrl, token, { waiting: details.waiting });
        room.chat.on("closed", function (event) {
          room.emit("closed", event);
          if (event.code === 4404) room.emit("room.closed", { room_id: details.room_id });
        });
        tasks.push(room.chat.open());
      }
      var wantsMedia = options.media !== false && details.livekit_url;
      if (wantsMedia && global.LivekitClient) {
        var LK = global.LivekitClient;
        room.livekit = new LK.Room(options.livekitOptions || { adaptiveStream: true, dynacast: true });
        tasks.push(
          room.livekit.connect(details.livekit_url, token).catch(function (err) {
            room.mediaError = err;
            room.emit("media.error", err);
          })
        );
      } else if (wantsMedia) {
        room.mediaError = SwitchboardError("media_unavailable", "livekit-client is not loaded; video is off.");
      }
      return Promise.all(tasks).then(function () { return room; }, function (err) {
        room.disconnect();
        throw err;
      });
    });
  }

  global.Switchboard = { connect: connect, info: info, Chat: Chat, Room: Room, version: "1" };
})(typeof window !== "undefined" ? window : this);
