"""SDK clients: one per target and credential slot, so STS rotations never pile clients up."""

import pytest

from shared.aliyun import clients
from shared.aliyun.credentials import Credentials
from shared.settings import Endpoint


@pytest.fixture(autouse=True)
def empty_cache():
    clients.clear()
    yield
    clients.clear()


def dysms(credentials):
    from alibabacloud_dysmsapi20170525.client import Client

    return clients.pop_client(Client, credentials, Endpoint("127.0.0.1:9", "http"), "cn-hangzhou")


def kms(credentials):
    from alibabacloud_kms20160120.client import Client

    return clients.pop_client(Client, credentials, Endpoint("127.0.0.1:9", "http"), "cn-hangzhou")


def role(n):
    """The function role's STS credentials after the n-th rotation: a new id, secret and token each time."""
    return Credentials(f"STS.id{n}", f"secret{n}", f"token{n}")


def test_the_same_credentials_reuse_one_client():
    assert dysms(role(1)) is dysms(role(1))
    assert clients.count() == 1


def test_a_hundred_sts_rotations_keep_one_client_per_target():
    element_key = Credentials("LTAI-element", "element-secret")
    first = dysms(role(0))
    for n in range(100):
        latest = dysms(role(n))
        kms(role(n))
        dysms(element_key)  # an SMS element's own AccessKey, used between rotations
    assert clients.count() == 3  # Dysmsapi as the role, KMS as the role, Dysmsapi as the element
    assert latest is not first and latest is dysms(role(99))


def test_each_access_key_of_its_own_keeps_its_client():
    a, b = Credentials("LTAI-a", "sa"), Credentials("LTAI-b", "sb")
    client_a = dysms(a)
    assert dysms(b) is not client_a
    assert dysms(a) is client_a
    assert clients.count() == 2


def test_a_changed_secret_of_one_access_key_replaces_its_client():
    old = dysms(Credentials("LTAI-a", "old"))
    new = dysms(Credentials("LTAI-a", "new"))
    assert new is not old and clients.count() == 1
