// The admin's small behaviours, without inline scripts (a strict CSP is coming):
// confirmations on dangerous forms, copy buttons, the live roster and waiting room of a room
// page and the live status and head counts of the rooms list.
(function () {
  "use strict";
  var POLL_MS = 2000;

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) return;
    var target = document.getElementById(button.dataset.copyTarget);
    var text = target.value !== undefined ? target.value : target.textContent;
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(target); done(); });
    } else {
      fallback(target);
      done();
    }
  });

  function fallback(target) {
    if (target.select) { target.select(); } else {
      var range = document.createRange();
      range.selectNodeContents(target);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected */ }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function time(iso) {
    var d = new Date(iso);
    return el("time", { datetime: iso, text: d.toISOString().slice(11, 19) + " UTC" });
  }

  function rosterRow(tbody, p) {
    var tracks = el("td");
    if (!p.tracks.length) tracks.textContent = "—";
    p.tracks.forEach(function (t) {
      tracks.appendChild(el("span", { class: "track", text: t.source + (t.muted ? " (muted)" : "") }));
      tracks.appendChild(document.createTextNode(" "));
    });
    var form = el("form", {
      method: "post", action: tbody.dataset.removeUrl, class: "inline",
      "data-confirm": "Remove " + p.name + " from the room? Their link stops working.",
    }, [
      el("input", { type: "hidden", name: "csrf_token", value: tbody.dataset.csrf }),
      el("input", { type: "hidden", name: "identity", value: p.identity }),
      el("button", { type: "submit", class: "link danger" }, [
        document.createTextNode("Remove"), el("span", { class: "visually-hidden", text: " " + p.name }),
      ]),
    ]);
    return el("tr", { "data-identity": p.identity }, [
      el("td", {}, [el("strong", { text: p.name }), el("br"), el("code", { text: p.identity })]),
      el("td", { text: p.role }),
      el("td", { text: p.state === "active" ? "in call" : "chat only" }),
      tracks,
      el("td", {}, [time(p.joined_at)]),
      el("td", {}, [form]),
    ]);
  }

  function waitingRow(tbody, w, n) {
    var csrf = tbody.dataset.csrf;
    var field = "deny-live-" + n;
    return el("tr", { "data-identity": w.identity }, [
      el("td", {}, [el("strong", { text: w.name }), el("br"), el("code", { text: w.identity })]),
      el("td", { text: w.role }),
      el("td", {}, [time(w.waiting_since)]),
      el("td", {}, [
        el("form", { method: "post", action: tbody.dataset.admitUrl, class: "inline" }, [
          el("input", { type: "hidden", name: "csrf_token", value: csrf }),
          el("input", { type: "hidden", name: "identity", value: w.identity }),
          el("button", { type: "submit" }, [
            document.createTextNode("Admit"), el("span", { class: "visually-hidden", text: " " + w.name }),
          ]),
        ]),
        document.createTextNode(" "),
        el("form", { method: "post", action: tbody.dataset.denyUrl, class: "inline" }, [
          el("input", { type: "hidden", name: "csrf_token", value: csrf }),
          el("input", { type: "hidden", name: "identity", value: w.identity }),
          el("label", { for: field, class: "visually-hidden", text: "Message to " + w.name + " (optional)" }),
          el("input", { id: field, name: "message", type: "text", maxlength: "500", placeholder: "Message (optional)" }),
          document.createTextNode(" "),
          el("button", { type: "submit", class: "link danger" }, [
            document.createTextNode("Deny"), el("span", { class: "visually-hidden", text: " " + w.name }),
          ]),
        ]),
      ]),
    ]);
  }

  /* The waiting room follows the poll; rows already shown stay (with any message typed). */
  var made = 0;
  function renderWaiting(tbody, waiting) {
    var rows = {};
    tbody.querySelectorAll("tr[data-identity]").forEach(function (tr) { rows[tr.dataset.identity] = tr; });
    var next = waiting.map(function (w) { return rows[w.identity] || waitingRow(tbody, w, ++made); });
    if (!next.length) next = [el("tr", { class: "empty-row" }, [el("td", { colspan: "4", class: "empty", text: "Nobody is waiting." })])];
    var same = next.length === tbody.children.length && next.every(function (tr, i) { return tbody.children[i] === tr; });
    if (!same) tbody.replaceChildren.apply(tbody, next);
    document.getElementById("waiting-count").textContent = String(waiting.length);
  }

  function pollRoster(tbody) {
    var count = document.getElementById("roster-count");
    var updated = document.getElementById("roster-updated");
    var last = null;
    function tick() {
      fetch(tbody.dataset.rosterUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.redirected) { // the login page: the session ended
            updated.textContent = "Your session ended. Reload the page to log in again.";
            throw null;
          }
          if (!r.ok) throw new Error(r.status);
          return r.json();
        })
        .then(function (body) {
          var key = JSON.stringify(body.data);
          if (key !== last) {
            last = key;
            tbody.replaceChildren.apply(tbody, body.data.length ? body.data.map(function (p) { return rosterRow(tbody, p); })
              : [el("tr", { class: "empty-row" }, [el("td", { colspan: "6", class: "empty", text: "Nobody is connected." })])]);
            count.textContent = String(body.data.length);
          }
          var waitingList = document.getElementById("waiting-list");
          if (waitingList && body.waiting) renderWaiting(waitingList, body.waiting);
          updated.textContent = "Updated " + new Date().toLocaleTimeString();
          var status = document.getElementById("room-status");
          if (status && status.textContent !== body.room.status) {
            status.textContent = body.room.status;
            status.className = "status status-" + body.room.status;
          }
          if (body.room.status !== "closed") setTimeout(tick, POLL_MS);
        })
        .catch(function (err) {
          if (err === null) return;
          updated.textContent = "Cannot reach the server; retrying…";
          setTimeout(tick, POLL_MS * 2);
        });
    }
    tick();
  }

  function pollRooms(tbody) {
    function tick() {
      fetch(tbody.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          body.data.forEach(function (room) {
            var row = tbody.querySelector('tr[data-room-id="' + room.id + '"]');
            if (!row) return;
            var status = row.querySelector('[data-field="status"]');
            status.textContent = room.status;
            status.className = "status status-" + room.status;
            row.querySelector('[data-field="participants"]').textContent = String(room.participants);
          });
          setTimeout(tick, POLL_MS * 2);
        })
        .catch(function () { setTimeout(tick, POLL_MS * 4); });
    }
    setTimeout(tick, POLL_MS * 2);
  }

  var roster = document.getElementById("roster");
  if (roster && roster.dataset.rosterUrl) pollRoster(roster);
  var roomList = document.getElementById("room-list");
  if (roomList && roomList.dataset.statusUrl) pollRooms(roomList);
})();
