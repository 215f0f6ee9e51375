"""No full phone number at rest: keyed HMACs name numbers, AES-GCM seals what the store must keep.

- :mod:`shared.privacy.hmac_keys`: the HMAC key (the KMS secret ``SMS_HMAC_KEY_SECRET``) and the
  pseudonyms and fingerprints derived from it;
- :mod:`shared.privacy.data_keys`: AES-256 data keys from KMS ``GenerateDataKey`` under
  ``SMS_DATA_KEY_ID``, one per instance, and KMS ``Decrypt`` of the others' (cached);
- :mod:`shared.privacy.envelope`: the AES-256-GCM envelope a sealed value is stored as;
- :mod:`shared.privacy.vault`: what the App hands out (``app.vault``).
"""
