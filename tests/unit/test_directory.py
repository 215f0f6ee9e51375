import pytest

from shared.elements.element import ElementDefinition
from shared.sms.directory import DirectoryConfig, Recipients, StaticDirectory


def directory(data):
    definition = ElementDefinition(title="d", type="Directory.Static", backendBundleEntry=".")
    return StaticDirectory(None, "Directory.T", definition, {"directory.json": DirectoryConfig.model_validate(data)})


ORG = {
    "members": [
        {"id": "a", "phone": "13800000001", "departments": ["root"]},
        {"id": "b", "phone": "13800000002", "departments": ["child"], "roles": ["r"]},
        {"id": "c", "phone": "13800000003", "departments": ["grandchild"]},
        {"id": "d", "phone": "+86 13800000001", "departments": ["other"]},
        {"id": "e", "departments": ["child"]},
    ],
    "departments": [
        {"id": "root"}, {"id": "child", "parent": "root"}, {"id": "grandchild", "parent": "child"}, {"id": "other"},
    ],
    "roles": [{"id": "r"}, {"id": "empty"}],
}


def test_department_includes_every_sub_department():
    result = directory(ORG).resolve(Recipients(departments=["root"]))
    assert result.phones == ["13800000001", "13800000002", "13800000003"]
    assert result.without_phone == ["e"]


def test_sub_department_alone_excludes_its_parent():
    assert directory(ORG).resolve(Recipients(departments=["grandchild"])).phones == ["13800000003"]


def test_phones_are_deduplicated_across_members_and_forms():
    result = directory(ORG).resolve(Recipients(members=["a", "d", "a"], roles=["r"]))
    assert result.phones == ["13800000001", "13800000002"]


def test_unknown_ids_are_reported_per_kind():
    result = directory(ORG).resolve(Recipients(members=["zz"], departments=["nope"], roles=["ghost", "empty"]))
    assert result.phones == []
    assert result.unknown == {"members": ["zz"], "departments": ["nope"], "roles": ["ghost"]}


def test_cyclic_departments_do_not_hang():
    data = {"members": [{"id": "m", "phone": "13800000009", "departments": ["x"]}],
            "departments": [{"id": "x", "parent": "y"}, {"id": "y", "parent": "x"}]}
    assert directory(data).resolve(Recipients(departments=["y"])).phones == ["13800000009"]


def test_recipients_refuse_unknown_kinds():
    with pytest.raises(ValueError):
        Recipients.model_validate({"groups": ["x"]})
