"""Codes, digests, tokens and the policy file: the pure parts of verification."""

import pytest

from shared.elements.element import validate_file
from shared.errors import ConfigError
from shared.verify.codes import ALPHABETS, Digester, generate_code, normalize_code
from shared.verify.policy import VerifyConfig
from shared.verify.tokens import InvalidTokenError, check_token, issue_token

KEY = "k" * 40
BASE = {"sms": "SMS.Default", "templateCode": "SMS_1", "hmacKey": "h" * 32, "tokenKey": "t" * 32}


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
def test_codes_have_the_length_and_alphabet_asked_for(alphabet):
    codes = {generate_code(8, alphabet) for _ in range(200)}
    assert all(len(code) == 8 and set(code) <= set(ALPHABETS[alphabet]) for code in codes)
    assert len(codes) > 190  # random, not a constant


def test_typed_codes_are_normalised_before_comparison():
    digester = Digester("Verify.A", KEY)
    assert normalize_code(" ab-c 7 ") == "ABC7"
    assert digester.code("ab c7", phone="1", purpose="login") == digester.code("ABC7", phone="1", purpose="login")


def test_digests_are_keyed_and_bound_to_policy_number_and_purpose():
    base = Digester("Verify.A", KEY).code("123456", phone="13800138000", purpose="login")
    assert "123456" not in base and len(base) == 64
    assert base != Digester("Verify.A", "other" * 8).code("123456", phone="13800138000", purpose="login")
    assert base != Digester("Verify.B", KEY).code("123456", phone="13800138000", purpose="login")
    assert base != Digester("Verify.A", KEY).code("123456", phone="13800138001", purpose="login")
    assert base != Digester("Verify.A", KEY).code("123456", phone="13800138000", purpose="reset")
    subject = Digester("Verify.A", KEY).subject("phone", "13800138000")
    assert len(subject) == 32 and "13800138000" not in subject


def test_a_token_round_trips_and_rejects_tampering():
    token = issue_token(KEY, issuer="Verify.A", subject="+8613800138000", purpose="login", ttl=60, now=1000)
    claims = check_token(token, KEY, purpose="login", issuer="Verify.A", now=1030)
    assert (claims["sub"], claims["iat"], claims["exp"]) == ("+8613800138000", 1000, 1060)
    header, payload, signature = token.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for bad, why in [("a.b", "three"), (f"{header}.{forged}.{signature}", "signature|base64"),
                     ("x.y.z", "signature")]:
        with pytest.raises(InvalidTokenError, match=why):
            check_token(bad, KEY, now=1030)
    for altered in (token + "!", token + "==", f"{header}.{payload}.{signature[:5]}*{signature[5:]}"):
        with pytest.raises(InvalidTokenError, match="signature"):  # one valid spelling only
            check_token(altered, KEY, now=1030)
    with pytest.raises(InvalidTokenError, match="issued by"):
        check_token(token, KEY, issuer="Verify.B", now=1030)
    with pytest.raises(InvalidTokenError, match="expired"):
        check_token(token, KEY, now=1066)


def test_the_policy_defaults_follow_the_issue():
    config = validate_file(VerifyConfig, BASE, "verify.json")
    assert (config.codeLength, config.ttl, config.resendCooldown, config.maxAttempts) == (6, 300, 60, 5)
    assert [(limit.max, limit.seconds) for limit in config.perPhone] == [(5, 3600), (10, 86400)]
    assert (config.countryCodes, config.alphabet, config.keepPreviousCodes) == (["86"], "digits", False)
    assert config.revealReasons is False  # a failed check tells nothing about the number unless asked to


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"codeLength": 3}, "codeLength"),
        ({"codeLength": 9}, "codeLength"),
        ({"alphabet": "emoji"}, "alphabet"),
        ({"countryCodes": ["1"]}, "countryCodes"),
        ({"hmacKey": "short"}, "hmacKey"),
        ({"purposes": ["log in"]}, "purposes"),
        ({"perPhone": [{"max": 0, "seconds": 60}]}, "perPhone.0.max"),
        ({"maxAtempts": 5}, "maxAtempts"),
    ],
)
def test_a_bad_policy_file_names_the_field(override, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        validate_file(VerifyConfig, {**BASE, **override}, "Verify/X/verify.json")


@pytest.mark.parametrize(
    ("ip", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", "unknown"),
    ],
)
def test_per_ip_limits_count_ipv6_clients_by_their_64(ip, counted_as):
    from shared.verify.policy import client_network

    assert client_network(ip) == counted_as
