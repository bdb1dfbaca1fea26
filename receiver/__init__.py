"""The inbound notification receiver: CSS pushes, we verify, store, answer, then signal.

- `intake`: judging one request (signature, JSON, fields) and storing it or its refusal;
- `app`: the Starlette app (`POST /v1/notifications`, size and media-type limits);
- `records`: what is stored, and the workflow signal rebuilt from it;
- `ledger`, `directory`, `sink`: delivery tracking, registration-to-switch routing and the
  signal, each a small interface with an in-memory implementation;
- `delivery`: the retrying delivery loop; `postgres`, `temporal`: production implementations
  (the directory's is the registration projection, `readmodels.registrations`);
  `schema`: the receiver's table (migration 0002) in SQLAlchemy Core;
- `server`: uvicorn over mutual TLS; `service`: the `switching receiver` process.
"""
