"""A headless LiveKit participant for end-to-end tests, run in its own process.

Driven over stdin/stdout with one JSON object per line.
Commands: {"cmd": "connect", "url", "token", "watch"?}, {"cmd": "publish_video"},
{"cmd": "remote_participants"}, {"cmd": "watch_video", "identity"}, {"cmd": "disconnect"},
{"cmd": "quit"}. Events: {"event": "ready"},
{"event": "connected", "sid", "identity"}, {"event": "published", "sid"}, {"event": "disconnected",
"reason"}, {"event": "error", "cmd", "message"}, {"event": "remote_participants", "identities"},
{"event": "video", "from", "width", "height"} (the first decoded frame of `identity`'s camera).
With `watch`, the bot subscribes to whatever it may and reports {"event": "participant_connected",
"identity"}, {"event": "frame", "identity"} (the first decoded video frame of each remote track)
and {"event": "permissions", "can_subscribe", "can_publish", "hidden"} when its own change.
"""

import asyncio
import json
import sys

from livekit import rtc

WIDTH, HEIGHT = 64, 48


def emit(**event) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Bot:
    def __init__(self):
        self.room: rtc.Room | None = None
        self.frames: asyncio.Task | None = None

    async def connect(self, url: str, token: str, watch: bool = False) -> None:
        room = rtc.Room()
        room.on("disconnected", lambda reason: emit(event="disconnected", reason=str(reason)))
        if watch:
            self._watch(room)
        await room.connect(url, token, rtc.RoomOptions(auto_subscribe=watch, connect_timeout=5))
        self.room = room
        emit(event="connected", sid=room.local_participant.sid, identity=room.local_participant.identity)

    def _watch(self, room: rtc.Room) -> None:
        def on_track(track, publication, participant):
            if track.kind == rtc.TrackKind.KIND_VIDEO:
                asyncio.ensure_future(self._first_frame(track, participant.identity))

        def on_permissions(participant, new):
            if participant.identity != room.local_participant.identity:
                return
            emit(
                event="permissions",
                can_subscribe=new.can_subscribe,
                can_publish=new.can_publish,
                hidden=new.hidden,
            )
            if new.can_subscribe:  # subscribe to what was published before we were let in
                for remote in room.remote_participants.values():
                    for publication in remote.track_publications.values():
                        publication.set_subscribed(True)

        room.on("participant_connected", lambda p: emit(event="participant_connected", identity=p.identity))
        room.on("track_subscribed", on_track)
        room.on("participant_permissions_changed", on_permissions)

    async def _first_frame(self, track, identity: str) -> None:
        stream = rtc.VideoStream(track)
        async for _frame in stream:
            emit(event="frame", identity=identity)
            break
        await stream.aclose()

    async def remote_participants(self) -> None:
        emit(event="remote_participants", identities=sorted(self.room.remote_participants))

    async def publish_video(self, timeout: float = 8) -> None:
        source = rtc.VideoSource(WIDTH, HEIGHT)
        track = rtc.LocalVideoTrack.create_video_track("synthetic-camera", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA)
        self.frames = asyncio.create_task(self._frames(source))
        publication = await asyncio.wait_for(
            self.room.local_participant.publish_track(track, options), timeout
        )
        emit(event="published", sid=publication.sid)

    async def watch_video(self, identity: str, timeout: float = 15) -> None:
        """Subscribe to `identity`'s video and report its first decoded frame."""
        subscribed: asyncio.Future = asyncio.get_running_loop().create_future()

        def take(publication, participant) -> None:
            if participant.identity == identity and publication.kind == rtc.TrackKind.KIND_VIDEO:
                publication.set_subscribed(True)

        def on_subscribed(track, publication, participant) -> None:
            if participant.identity == identity and track.kind == rtc.TrackKind.KIND_VIDEO:
                if not subscribed.done():
                    subscribed.set_result(track)

        self.room.on("track_published", take)
        self.room.on("track_subscribed", on_subscribed)
        for participant in self.room.remote_participants.values():
            for publication in participant.track_publications.values():
                if publication.track is not None and participant.identity == identity:
                    on_subscribed(publication.track, publication, participant)
                take(publication, participant)

        async def first_frame():
            track = await subscribed
            async for event in rtc.VideoStream(track):
                return event.frame

        frame = await asyncio.wait_for(first_frame(), timeout)
        emit(event="video", **{"from": identity}, width=frame.width, height=frame.height)

    async def _frames(self, source: rtc.VideoSource) -> None:
        shade = 0
        while True:
            shade = (shade + 8) % 256
            frame = rtc.VideoFrame(
                WIDTH, HEIGHT, rtc.VideoBufferType.RGBA, bytes([shade]) * (WIDTH * HEIGHT * 4)
            )
            source.capture_frame(frame)
            await asyncio.sleep(0.1)

    async def disconnect(self) -> None:
        if self.frames:
            self.frames.cancel()
        if self.room is not None:
            await self.room.disconnect()


async def main() -> None:
    bot = Bot()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    emit(event="ready")
    while line := await reader.readline():
        command = json.loads(line)
        cmd = command.pop("cmd")
        if cmd == "quit":
            break
        try:
            await getattr(bot, cmd)(**command)
        except Exception as exc:  # report, keep serving
            emit(event="error", cmd=cmd, message=f"{type(exc).__name__}: {exc}")
    await bot.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
