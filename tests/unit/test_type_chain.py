"""The Type chain: Type elements in the source carry defaults their instances override."""

import json

import pytest

from shared import App, ConfigError
from shared.elements.loader import deep_merge
from shared.settings import Settings
from shared.sms.aliyun import SmsAliyun


def put(root, name, e_json, sms_json=None):
    folder = root.joinpath(*name.split("."))
    folder.mkdir(parents=True)
    (folder / "e.json").write_text(json.dumps({"title": name, "backendBundleEntry": ".", **e_json}))
    if sms_json is not None:
        (folder / "sms.json").write_text(json.dumps(sms_json))


def app_for(root):
    return App(Settings(elements_source=str(root)))


def test_instance_overrides_type_defaults_key_by_key(tmp_path):
    put(tmp_path, "SMS.Company", {"type": "SMS.Aliyun"}, {"accessKey": "AK", "accessSecret": "S", "verifySign": "Co"})
    put(tmp_path, "SMS.Shop", {"type": "SMS.Company"}, {"verifySign": "Shop"})
    element = app_for(tmp_path).getElement("SMS.Shop")
    assert isinstance(element, SmsAliyun)
    assert (element.config.accessKey, element.config.accessSecret, element.config.verifySign) == ("AK", "S", "Shop")


def test_instance_without_its_own_config_takes_the_type_defaults(tmp_path):
    put(tmp_path, "SMS.Company", {"type": "SMS.Aliyun"}, {"accessKey": "AK", "accessSecret": "S", "verifySign": "Co"})
    put(tmp_path, "SMS.Plain", {"type": "SMS.Company"})
    assert app_for(tmp_path).getElement("SMS.Plain").config.verifySign == "Co"


def test_three_levels_merge_nested_keys_to_any_depth(tmp_path):
    put(tmp_path, "SMS.Root", {"type": "SMS.Aliyun"},
        {"accessKey": "AK", "accessSecret": "S", "verifySign": "R", "limits": {"day": {"max": 10, "unit": "d"}}})
    put(tmp_path, "SMS.Mid", {"type": "SMS.Root"}, {"limits": {"day": {"max": 20}, "hour": 5}})
    put(tmp_path, "SMS.Leaf", {"type": "SMS.Mid"}, {"verifySign": "L"})
    config = app_for(tmp_path).getElement("SMS.Leaf").config
    assert config.verifySign == "L"
    assert config.model_extra["limits"] == {"day": {"max": 20, "unit": "d"}, "hour": 5}


def test_cycle_is_an_error_naming_the_chain(tmp_path):
    put(tmp_path, "SMS.A", {"type": "SMS.B"})
    put(tmp_path, "SMS.B", {"type": "SMS.A"})
    put(tmp_path, "SMS.Inst", {"type": "SMS.A"}, {})
    with pytest.raises(ConfigError, match=r"cycle: SMS\.Inst → SMS\.A → SMS\.B → SMS\.A"):
        app_for(tmp_path).getElement("SMS.Inst")


def test_unknown_parent_is_an_error_naming_the_chain(tmp_path):
    put(tmp_path, "SMS.Company", {"type": "SMS.Missing"})
    put(tmp_path, "SMS.Shop", {"type": "SMS.Company"}, {})
    with pytest.raises(ConfigError, match=r"SMS\.Shop → SMS\.Company → SMS\.Missing\): SMS\.Missing is neither"):
        app_for(tmp_path).getElement("SMS.Shop")


def test_registered_class_combines_with_type_element_defaults(tmp_path):
    class Audited(SmsAliyun):
        pass

    put(tmp_path, "SMS.Audited", {"type": "SMS.Aliyun"}, {"accessKey": "AK", "accessSecret": "S", "verifySign": "Au"})
    put(tmp_path, "SMS.Orders", {"type": "SMS.Audited"}, {})
    app = app_for(tmp_path)
    app.register_type("SMS.Audited", Audited)
    element = app.getElement("SMS.Orders")
    assert type(element) is Audited
    assert element.config.verifySign == "Au"


def test_missing_field_after_merge_names_the_instance_file(tmp_path):
    put(tmp_path, "SMS.Company", {"type": "SMS.Aliyun"}, {"accessKey": "AK"})
    put(tmp_path, "SMS.Shop", {"type": "SMS.Company"}, {"verifySign": "x"})
    with pytest.raises(ConfigError, match=r"SMS/Shop/sms\.json: accessSecret: Field required"):
        app_for(tmp_path).getElement("SMS.Shop")


def test_deep_merge_lets_a_kms_reference_replace_a_value():
    base = {"a": {"kms": "old", "key": "k"}, "b": {"x": 1}}
    assert deep_merge(base, {"a": {"kms": "new"}, "b": {"kms": "s"}}) == {"a": {"kms": "new"}, "b": {"kms": "s"}}
