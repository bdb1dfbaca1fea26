"""Temporal activities: the only place the workflow touches the outside world."""
