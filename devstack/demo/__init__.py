"""`switching dev --demo N`: a mixed batch of switches played against the CSS simulator."""
