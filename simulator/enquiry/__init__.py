"""Simulated industry enquiry services (dev and tests), both serving the simulated market:

- electricity (`electricity.py`): JSON over HTTPS with mutual TLS, modelled on ECOES;
- gas (`gas.py`): SOAP 1.1 with a WSDL over HTTPS with mutual TLS, modelled on the gas
  industry's data enquiry service.

Both sit behind a rate limit and fault injection (`gate.py`), and are run together by
`server.running_enquiry_services` (tests) or `switching market serve`.
"""
