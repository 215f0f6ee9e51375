"""Phone verification: the ``Verify.SmsCode`` policy, codes and login tokens."""
