/*
 * The call's chat panel: who is in the room, messages, typing indicator, an unread badge,
 * and a Chat button that opens and closes the panel (it starts closed on small screens).
 * Used by meet.js as SwitchboardMeet.chat.start(room, info, hooks).
 */
(function (global) {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var SMALL = "(max-width: 800px)";

  function start(room, info, hooks) {
    var chat = room.chat;
    var names = {};
    var typingTimers = {};
    var unread = 0;
    // History replayed on joining is not "unread": only what was sent after this page joined.
    var joinedAt = Date.now() - 1000;
    var panel = $("chat"), toggle = $("toggle-chat");
    var small = global.matchMedia ? global.matchMedia(SMALL).matches : false;

    function displayName(identity) { return names[identity] || identity; }

    function setOpen(open) {
      panel.hidden = !open;
      $("call").classList.toggle("chat-closed", !open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.classList.toggle("active", open);
      if (open) {
        unread = 0;
        renderUnread();
        var list = $("messages");
        list.scrollTop = list.scrollHeight;
      }
    }

    function renderUnread() {
      $("unread").hidden = unread === 0;
      $("unread-count").textContent = unread > 99 ? "99+" : String(unread);
    }

    function renderRoster(participants) {
      var list = $("roster");
      list.innerHTML = "";
      participants.forEach(function (p) {
        names[p.identity] = p.name || p.identity;
        var item = document.createElement("li");
        item.dataset.identity = p.identity;
        item.textContent = (p.name || p.identity) + (p.identity === info.identity ? " (you)" : "") +
          (p.role && p.role !== "participant" ? " · " + p.role : "");
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
      if (msg.from === info.identity) item.className = "mine";
      var from = document.createElement("span");
      from.className = "from";
      from.textContent = msg.from === info.identity ? "You" : displayName(msg.from);
      var time = document.createElement("time");
      time.className = "time";
      time.dateTime = msg.sent_at;
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
      if (panel.hidden && msg.from !== info.identity && Date.parse(msg.sent_at) >= joinedAt) {
        unread += 1;
        renderUnread();
      }
    }

    function chatError(text) {
      $("chat-error").hidden = !text;
      $("chat-error").textContent = text || "";
    }

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
      if (state === "reconnecting") hooks.banner("Connection lost. Reconnecting…", "warn");
      else if (state === "open") hooks.banner(null);
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
      if (e.key === "Escape" && small) { setOpen(false); toggle.focus(); }
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

    toggle.hidden = !hooks.media;  // without video the chat is the whole page
    toggle.onclick = function () { setOpen(panel.hidden); if (!panel.hidden) input.focus(); };
    $("close-chat").hidden = !hooks.media;
    $("close-chat").onclick = function () { setOpen(false); toggle.focus(); };
    setOpen(!(hooks.media && small));
  }

  global.SwitchboardMeet = global.SwitchboardMeet || {};
  global.SwitchboardMeet.chat = { start: start };
})(window);
