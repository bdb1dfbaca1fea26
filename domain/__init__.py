"""The pure domain: identifiers, the working-day calendar and the switch decider."""
