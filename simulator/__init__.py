"""Simulated industry services for development and tests; never part of the production image."""
