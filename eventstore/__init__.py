"""Append-only event store on PostgreSQL, and an in-memory twin for unit tests."""
