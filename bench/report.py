"""bench/results/RESULTS.md and its PNG plots from one run's results (bench/run.py)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NOT_RUN = "not run in this invocation"

# Why a figure misses its target, from profiling (py-spy) and reading the code paths.
REASONS = {
    "Chat p99 at 100 msg/s, 100 members": "the client process and server share two cores with the "
    "rest of the machine's load; p99 follows the machine's load more than the server",
    "Token minting rate": "after caching API keys, sizing the pool for gevent and dropping the flush "
    "(bench/PROFILING.md), a mint is 3 statements plus ping/BEGIN/COMMIT and costs a worker "
    "~2.2 ms of CPU in Flask, SQLAlchemy, psycopg, JWT signing, the limiter and the access log; two "
    "workers plus PostgreSQL and wrk fill both cores at ~650–700/s on a quiet machine",
    "Token minting p99": "as above: the workers are CPU-bound below 1,000/s, so requests queue",
    "POST /rooms vs livekit CreateRoom": "no LiveKit call is made (LiveKit creates the room at the first "
    "join from the token's room config); the create is one commit of 4 rows (room, `room.created` "
    "event, webhook job, audit) at ~2.1–2.4 ms of worker CPU, against livekit-server keeping rooms "
    "in memory in Go",
    "Idle sockets on one worker": "the connect phase is capped; joins now run at ~40–90/s on this "
    "shared machine (each join verifies the token, inserts presence, commits, counts and reads "
    "presence), so fewer than 10,000 open within the cap; the per-socket timers are gone (one sweep "
    "per process)",
    "Broadcast one message to all": "with fewer sockets than the target open, see the scenario's table",
    "Memory per idle socket": "three greenlets per socket (request, simple-websocket's reader thread, "
    "writer; ~8 KB each idle) plus the request's WSGI environ and Flask contexts, a wsproto "
    "connection and a queue; under 30 KB needs a socket layer without a per-socket reader thread",
    "Chat deliveries/s at saturation": "",
    "Join link → first remote frame": "the meeting page loads more (page, CSS, scripts, "
    "/realtime/info, the chat socket) and publishes its own camera before the first remote frame",
}


def _fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def _phase_rows(phases: list[dict]) -> list[str]:
    rows = [
        "| sent/s | deliveries | delivered/s | p50 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for p in phases:
        rows.append(
            f"| {p['rate_sent_per_s']:g} | {p['deliveries']}/{p['expected']} | {_fmt(p['delivered_per_s'], 0)} "
            f"| {_fmt(p['p50_ms'])} | {_fmt(p['p99_ms'])} | {_fmt(p['max_ms'])} |"
        )
    return rows


def _plot_chat(chat: dict, out: Path) -> list[str]:
    files = []
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, data, colour in (
        ("Switchboard socket", chat["switchboard"], "C0"),
        ("LiveKit data", chat["livekit"], "C1"),
    ):
        phases = data.get("phases") or []
        if not phases:
            continue
        rates = [p["rate_sent_per_s"] for p in phases]
        left.plot(rates, [p["p50_ms"] for p in phases], "o-", color=colour, label=f"{name} p50")
        left.plot(rates, [p["p99_ms"] for p in phases], "s--", color=colour, label=f"{name} p99")
        right.plot(rates, [p["delivered_per_s"] for p in phases], "o-", color=colour, label=name)
    left.axhline(50, color="grey", lw=0.8, ls=":", label="p99 target 50 ms")
    left.set(
        xscale="log",
        yscale="log",
        xlabel="messages/s sent into the room",
        ylabel="latency ms",
        title="Chat fan-out latency, 100 members",
    )
    right.set(
        xscale="log",
        xlabel="messages/s sent into the room",
        ylabel="deliveries/s",
        title="Deliveries per second",
    )
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "chat_fanout.png", dpi=110)
    plt.close(fig)
    files.append("chat_fanout.png")
    return files


def _plot_control(rows: list[dict], out: Path) -> list[str]:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = [r["case"].replace("Switchboard ", "SB ").replace("livekit-server Twirp ", "LK ") for r in rows]
    left.barh(names, [r["rps"] for r in rows], color=["C0"] * (len(rows) - 1) + ["C1"])
    left.axvline(1000, color="grey", ls=":", lw=0.8)
    left.set(xlabel="requests/s", title="Control plane throughput (wrk, 16 connections)")
    right.barh(names, [r["p99_ms"] for r in rows], color=["C0"] * (len(rows) - 1) + ["C1"])
    right.axvline(20, color="grey", ls=":", lw=0.8)
    right.set(xlabel="p99 ms", title="Control plane p99 latency")
    fig.tight_layout()
    fig.savefig(out / "control_plane.png", dpi=110)
    plt.close(fig)
    return ["control_plane.png"]


def _recording_lines(recording: dict) -> list[str]:
    lines = [
        "LiveKit Egress (room composite, `grid` layout, mp4 to moto's S3 under a KMS key) with a "
        "private Redis shared with livekit-server; each room has one headless publisher (64×48 "
        f"camera, 10 fps). Once every recording is `recording`, the Egress handler processes "
        f"(Chromium, Xvfb, GStreamer) are sampled for {recording['hold_seconds']} s: CPU cores in use "
        "and memory (PSS, summed). Then every recording is stopped and must complete.",
        "",
        "| concurrent | started | refused | recording | still recording after the hold | completed "
        "| start s | stop s | cores | cores each | MB | MB each | refusals, failures |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in recording["rows"]:
        lines.append(
            f"| {r['concurrent']} | {r['started']} | {r['refused']} | {r['recording']} "
            f"| {r['still_recording_after_hold']} | {r['completed']} "
            f"| {r['start_seconds']} | {r['stop_seconds']} | {r['cpu_cores']} | {r['cpu_cores_per_recording']} "
            f"| {r['rss_mb']:,.0f} | {r['rss_mb_per_recording']:,.0f} "
            f"| {', '.join(r['refused_codes'] + [f'failed: {c}' for c in r['failed_codes']]) or '–'} |"
        )
    lines += [
        "",
        f"How many fit: {recording['most_recording_at_once']} recorded at once here; by CPU alone "
        f"{recording['cores']} cores / the highest per-recording figure ≈ {recording['fit_by_cpu']} "
        "(Egress admits fewer: it reserves `room_composite_cpu_cost` per recording, 1 core in this "
        "stack's config, and answers 503 beyond that).",
        "",
    ]
    return lines


def write(results: dict, out: Path) -> None:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{results['command']}` — wall time {results['wall_seconds']} s.",
        "",
        f"Machine: {m['cpu']}, {m['memory_gb']} GB RAM, {m['os']}; load average at start "
        f"{m['load_average_at_start']}. Versions: Python {m['python']}, {m['livekit_server']}, "
        f"PostgreSQL {m['postgresql']}, {m['wrk']}, Switchboard {m['switchboard_commit']}. {m['date']}.",
        "",
        "Everything runs on loopback on this one machine: servers, load generators and clients share "
        "the cores. A load average above the core count at start means other work was running; such "
        "figures are a floor, not what a quiet machine gives.",
        "",
    ]
    targets: list[tuple[str, str, str, bool | None, str]] = []
    chat = results.get("chat")
    if chat:
        sb, lk, store = chat["switchboard"], chat["livekit"], chat["store"]
        lines += ["## 1. Chat fan-out, 100 members", ""]
        lines += [
            "Switchboard: 1 gunicorn gevent worker, PostgreSQL, 100 WebSocket members (aiohttp, one "
            "client process), 5 of them sending round-robin at a fixed rate per phase; latency from "
            "before the send to each member reading `message.created`. LiveKit: 100 headless rtc "
            "participants (LiveKit's Python SDK, spread over "
            f"{lk.get('processes', '?')} processes), 5 sending `publish_data(reliable=True)` at the same "
            "rates with bodies of the same size; latency to each member's `data_received`. Both clients are "
            "Python on the same two cores: LiveKit's figures include its SDK decoding every packet in "
            "the member processes, which on this machine is likely as much the limit as livekit-server.",
            "",
            f"Switchboard (members connected in {sb['connect_seconds']:.1f} s; every member got gap-free "
            f"seq in order: {sb['ordered']}; identical sequences: {sb['identical']}):",
            "",
            *_phase_rows(sb["phases"]),
            "",
        ]
        if lk.get("phases"):
            lines += [
                f"LiveKit data packets (connected in {lk['connect_seconds']:.1f} s):",
                "",
                *_phase_rows(lk["phases"]),
                "",
            ]
        else:
            lines += [f"LiveKit data packets: failed: `{lk.get('error', '')[-300:]}`", ""]
        lines += [
            f"Storing into one room on PostgreSQL ({store['senders']} sockets sending as fast as they can, "
            f"1 worker): {store['acked']}/{store['messages']} stored and acked in {store['seconds']} s = "
            f"**{_fmt(store['stored_per_s'])} messages/s**; seq gap-free: {store['gap_free']}.",
            "",
            "![chat fan-out](chat_fanout.png)",
            "",
        ]
        at100 = next((p for p in sb["phases"] if p["rate_sent_per_s"] == 100), None)
        sb_peak = max(p["delivered_per_s"] for p in sb["phases"])
        lk_peak = max((p["delivered_per_s"] for p in lk.get("phases") or []), default=None)
        targets += [
            (
                "Chat p99 at 100 msg/s, 100 members",
                "< 50 ms",
                _fmt(at100 and at100["p99_ms"]) + " ms",
                at100 and at100["p99_ms"] < 50,
                "",
            ),
            (
                "Chat deliveries/s at saturation",
                "> LiveKit data",
                f"{_fmt(sb_peak, 0)} vs LiveKit {_fmt(lk_peak, 0)}",
                None if lk_peak is None else sb_peak > lk_peak,
                "",
            ),
            (
                "Messages stored into one room, PostgreSQL",
                "≥ 1,000/s",
                _fmt(store["stored_per_s"]) + "/s",
                store["stored_per_s"] >= 1000,
                "",
            ),
        ]
    control = results.get("control")
    if control:
        lines += [
            "## 2. Control plane",
            "",
            "wrk (Debian's package) with `bench/wrk/request.lua`, 2 threads, 16 connections, the same for "
            "every row. Switchboard: 2 gunicorn gevent workers on PostgreSQL; livekit-server: its Twirp "
            "`CreateRoom` with a JSON body and an admin JWT (a new room name per request for both).",
            "",
            "| case | requests | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in control:
            lines.append(
                f"| {r['case']} | {r['requests']} | {r['errors']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'], 2)} "
                f"| {_fmt(r['p90_ms'], 2)} | {_fmt(r['p99_ms'], 2)} | {_fmt(r['max_ms'], 2)} |"
            )
        lines += ["", "![control plane](control_plane.png)", ""]
        tokens = next(r for r in control if "tokens" in r["case"])
        create = next(r for r in control if r["case"] == "Switchboard POST /rooms")
        lk_create = next(r for r in control if "livekit" in r["case"])
        targets += [
            ("Token minting rate", "≥ 1,000/s", _fmt(tokens["rps"]) + "/s", tokens["rps"] >= 1000, ""),
            ("Token minting p99", "< 20 ms", _fmt(tokens["p99_ms"], 2) + " ms", tokens["p99_ms"] < 20, ""),
            (
                "POST /rooms vs livekit CreateRoom",
                "≥ LiveKit's rate",
                f"{_fmt(create['rps'])}/s vs {_fmt(lk_create['rps'])}/s",
                create["rps"] >= lk_create["rps"],
                "",
            ),
        ]
    idle = results.get("idle")
    if idle:
        lines += [
            "## 3. Idle chat sockets on one worker",
            "",
            f"{idle['sockets_wanted']} sockets wanted (100 identities), one gunicorn gevent worker, "
            f"PostgreSQL, connect phase capped: {idle['sockets_open']} open ({idle['failed']} failed) in "
            f"{idle['connect_seconds']} s. Worker RSS {idle['rss_before_mb']} MB → {idle['rss_after_mb']} MB = "
            f"**{idle['kb_per_socket']} KB per socket**. One message to all: "
            f"{idle['broadcast_received']}/{idle['sockets_open']} received in **{idle['broadcast_seconds']} s**.",
            "",
        ]
        targets += [
            (
                "Idle sockets on one worker",
                "10,000",
                f"{idle['sockets_open']:,}",
                idle["sockets_open"] >= 10000,
                "",
            ),
            (
                "Memory per idle socket",
                "< 30 KB",
                f"{idle['kb_per_socket']} KB",
                idle["kb_per_socket"] < 30,
                "",
            ),
            (
                "Broadcast one message to all",
                "< 1 s",
                f"{idle['broadcast_seconds']} s to {idle['broadcast_received']:,} of {idle['sockets_open']:,}",
                idle["broadcast_seconds"] is not None
                and idle["broadcast_seconds"] < 1
                and idle["broadcast_received"] == idle["sockets_open"],
                "",
            ),
        ]
    join = results.get("join")
    if join:
        lines += [
            "## 4. Join time",
            "",
            "Headless Chromium (Debian's), a headless rtc participant publishing a 64×48 camera at 10 fps, "
            f"{join['attempts']} attempts each, alternating, medians. Meeting page: from navigation to the "
            "first remote frame, clicking Join the moment the device check is ready. Floor: a bare page "
            "with Switchboard's livekit-client bundle calling `room.connect` with a minted token.",
            "",
            "| page | median ms | all attempts ms |",
            "|---|---:|---|",
            f"| meeting page `/join/…`, navigation → first remote frame | {join['join_page_ms']} | {join['join_page_all_ms']} |",
            f"| meeting page, Join click → first remote frame | {join['join_page_from_click_ms']} | |",
            f"| bare livekit-client page (floor) | {join['bare_ms']} | {join['bare_all_ms']} |",
            "",
        ]
        extra = join["join_page_ms"] - join["bare_ms"]
        targets.append(
            (
                "Join link → first remote frame",
                "within 150 ms of the floor",
                f"+{extra:.0f} ms ({join['join_page_ms']} vs {join['bare_ms']} ms)",
                extra <= 150,
                "",
            )
        )
    else:
        lines += ["## 4. Join time", "", NOT_RUN + ".", ""]
    recording = results.get("recording") or {"reason": NOT_RUN}
    lines += ["## 5. Recording", ""]
    if recording.get("rows"):
        lines += _recording_lines(recording)
        per = [r for r in recording["rows"] if r["still_recording_after_hold"]]
        measured = (
            f"{max(r['cpu_cores_per_recording'] for r in per)} core, "
            f"{max(r['rss_mb_per_recording'] for r in per):,.0f} MB each; "
            f"{recording['most_recording_at_once']} ran at once"
            if per
            else "none recorded"
        )
        targets.append(("Recording CPU/memory per composite recording", "measured", measured, None, ""))
    else:
        lines += [f"Skipped: {recording['reason']}.", ""]
        targets.append(("Recording CPU/memory per composite recording", "measured", "skipped", None, ""))
    lines += [
        "## Figures against targets",
        "",
        "| figure | target | measured | verdict | why missed |",
        "|---|---|---|---|---|",
    ]
    for name, target, measured, ok, _ in targets:
        why = (
            (REASONS.get(name) or "measured on a loaded machine; see the scenario's table")
            if ok is False
            else ""
        )
        if ok is None and measured == "skipped":
            why = recording["reason"]
        lines.append(f"| {name} | {target} | {measured} | {_verdict(ok)} | {why} |")
    lines.append("")
    profiling = Path(__file__).with_name("PROFILING.md")
    if profiling.exists():
        lines += ["", profiling.read_text().rstrip(), ""]
    if chat:
        _plot_chat(chat, out)
    if control:
        _plot_control(control, out)
    (out / "RESULTS.md").write_text("\n".join(lines))
