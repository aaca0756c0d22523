"""Secret values in specs: encrypted at rest, fingerprinted for comparison, masked in logs.

- :mod:`core.secrets.keyring`  Fernet encryption (key rotation) and keyed fingerprints
- :mod:`core.secrets.masking`  every plaintext the process handles is masked in log records
- :mod:`core.secrets.vault`    the store's secrets through the keyring (service and literal secrets)
- :mod:`core.secrets.sealing`  spec <-> provider: seal input, materialize for a deploy, redact live
"""
