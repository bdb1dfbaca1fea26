"""What the engine tells its operators about itself while it runs: Prometheus metrics (the
process's endpoint, the gateway's instruments, the business counters workflows and
activities record) and OpenTelemetry traces.

It imports nothing of the engine but the domain, so every layer above may record into it.
"""
