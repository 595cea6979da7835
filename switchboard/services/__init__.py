"""Plain service functions by domain: rooms, tokens, chat, webhooks, projects, audit (reading
the log) and operations (readiness). They know the database, LiveKit (through
`switchboard.livekit`) and the shared plumbing, never HTTP."""
