"""Plain service functions by domain: rooms, tokens, chat, webhooks, projects. They know the
database, LiveKit (through `switchboard.livekit`) and the shared plumbing, never HTTP."""
