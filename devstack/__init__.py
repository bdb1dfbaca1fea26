"""The whole engine on one machine: a supervisor for the dev stack, the demo batch and the
operators' commands against a running engine."""
