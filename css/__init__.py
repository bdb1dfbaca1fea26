"""Everything on the wire to and from the Central Switching Service."""
