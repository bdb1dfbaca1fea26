"""Audit and replay: prove what happened to a switch, online or from an offline bundle."""
