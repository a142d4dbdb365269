"""Adapters: what the application floor stands on (the event store and its recorders, the keyring and
the sealing of personal fields, group commit, Idempotency-Key claims, the RQ trigger and the in-process
runner). They import domain/ and projections/, never the services, the queries or the faces."""
