"""Read models: projections of the event store kept by checkpointed projectors."""
