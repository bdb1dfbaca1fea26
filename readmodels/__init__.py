"""Read models: projections of the event store, each kept by a checkpointed projector.

- `projector`: the projector (checkpoint, batches, rebuild from zero);
- `switch`: one row per switch, folded by the domain's own `evolve` (kept by the worker);
- `registrations`: CSS registration id -> switch id, the receiver's routing table;
- `schema`: their tables in SQLAlchemy Core (migrations 0004 and 0005).
"""
