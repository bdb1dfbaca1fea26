"""Customer data protection: encrypted Temporal payloads, personal fields sealed per customer,
and crypto-shredding.

Two layers, each with its own job:
- every Temporal payload is encrypted by `codec.EncryptionCodec` under the newest master key,
  so the Temporal server, its database and its UI hold ciphertext only;
- each personal field is sealed (`vault.Vault.seal`) under a data key of its customer's own,
  wrapped by a master key; forgetting the customer destroys that data key, and every copy of
  the field, in histories and in the event store alike, can no longer be opened.
"""
