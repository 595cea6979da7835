"""Shared plumbing every domain uses and none owns: pagination, ownership, identities,
idempotency, audit, the event outbox, the job outbox, outbound HTTP, request validation,
transactions and signals. Nothing here knows what a room or a token is."""
