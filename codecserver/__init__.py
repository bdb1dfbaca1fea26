"""`switching codec-server`: decodes the engine's Temporal payloads for operators.

The Temporal UI (`--ui-codec-endpoint`) and the `temporal` CLI (`--codec-endpoint`) send it
the ciphertext they read from Temporal; it answers with the payloads decrypted and their
sealed personal fields opened (or shown as erased). `app` is the HTTP app, `service` runs it.
"""
