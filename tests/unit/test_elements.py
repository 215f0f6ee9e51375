import json

import pytest

from shared import App, ConfigError, Element, SmsError
from shared.elements.registry import register_type
from shared.settings import Settings
from shared.sms.aliyun import SmsAliyun

E_JSON = {"title": "Test", "type": "SMS.Aliyun", "backendBundleEntry": "."}
SMS_JSON = {"accessKey": "AK", "accessSecret": "SECRET-VALUE", "verifySign": "Sign"}


def write_element(root, name, e_json=E_JSON, sms_json=SMS_JSON, meta="SMS"):
    folder = root / meta / name
    folder.mkdir(parents=True)
    if e_json is not None:
        (folder / "e.json").write_text(e_json if isinstance(e_json, str) else json.dumps(e_json))
    if sms_json is not None:
        (folder / "sms.json").write_text(json.dumps(sms_json))


def make_app(root):
    return App(Settings(elements_source=str(root)))


def test_get_element_returns_an_sms_aliyun_instance(tmp_path):
    write_element(tmp_path, "Main")
    element = make_app(tmp_path).getElement("SMS.Main")
    assert isinstance(element, SmsAliyun)
    assert element.fullName == "SMS.Main"
    assert element.config.verifySign == "Sign"


def test_element_is_loaded_once(tmp_path):
    write_element(tmp_path, "Main")
    app = make_app(tmp_path)
    assert app.getElement("SMS.Main") is app.getElement("SMS.Main")


def test_unknown_element_names_the_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown element SMS\.Nope: .*SMS/Nope/e\.json") as info:
        make_app(tmp_path).getElement("SMS.Nope")
    assert info.value.code == 46001


@pytest.mark.parametrize("name", ["", "SMS", "SMS..X", "SMS.a-b", "../etc.passwd", None])
def test_malformed_full_name_is_rejected(tmp_path, name):
    with pytest.raises(ConfigError, match="full name"):
        make_app(tmp_path).getElement(name)


@pytest.mark.parametrize("field", ["title", "type", "backendBundleEntry"])
def test_missing_e_json_field_names_file_and_field(tmp_path, field):
    write_element(tmp_path, "Main", e_json={k: v for k, v in E_JSON.items() if k != field})
    with pytest.raises(ConfigError, match=rf"SMS/Main/e\.json: {field}: Field required"):
        make_app(tmp_path).getElement("SMS.Main")


@pytest.mark.parametrize("field", ["accessKey", "accessSecret", "verifySign"])
def test_missing_sms_json_field_names_file_and_field(tmp_path, field):
    write_element(tmp_path, "Main", sms_json={k: v for k, v in SMS_JSON.items() if k != field})
    with pytest.raises(ConfigError, match=rf"SMS/Main/sms\.json: {field}: Field required"):
        make_app(tmp_path).getElement("SMS.Main")


def test_wrong_field_type_and_empty_value_are_named(tmp_path):
    write_element(tmp_path, "Main", sms_json={**SMS_JSON, "accessKey": 42, "verifySign": ""})
    with pytest.raises(ConfigError) as info:
        make_app(tmp_path).getElement("SMS.Main")
    assert "accessKey: Input should be a valid string" in info.value.message
    assert "verifySign: String should have at least 1 character" in info.value.message
    assert "SECRET-VALUE" not in str(info.value)


def test_missing_sms_json_is_named(tmp_path):
    write_element(tmp_path, "Main", sms_json=None)
    with pytest.raises(ConfigError, match=r"SMS/Main/sms\.json: missing"):
        make_app(tmp_path).getElement("SMS.Main")


def test_invalid_json_names_file_and_line(tmp_path):
    write_element(tmp_path, "Main", e_json='{\n  "title": "x",\n  oops\n}')
    with pytest.raises(ConfigError, match=r"e\.json: invalid JSON at line 3"):
        make_app(tmp_path).getElement("SMS.Main")


def test_unknown_type_is_named(tmp_path):
    write_element(tmp_path, "Main", e_json={**E_JSON, "type": "SMS.Tencent"})
    with pytest.raises(ConfigError, match=r"SMS\.Main → SMS\.Tencent\): SMS\.Tencent is neither a registered Type"):
        make_app(tmp_path).getElement("SMS.Main")


def test_app_registers_its_own_type_class(tmp_path):
    class Audited(SmsAliyun):
        pass

    write_element(tmp_path, "Custom", e_json={**E_JSON, "type": "SMS.Audited"})
    app = make_app(tmp_path)
    app.register_type("SMS.Audited", Audited)
    element = app.getElement("SMS.Custom")
    assert type(element) is Audited
    assert element.config.accessKey == "AK"
    with pytest.raises(ConfigError):
        make_app(tmp_path).getElement("SMS.Custom")  # another app does not see it


def test_global_registration_decorator(tmp_path):
    @register_type("SMS.GlobalTest")
    class GlobalTest(Element):
        config_files = {}

    write_element(tmp_path, "G", e_json={**E_JSON, "type": "SMS.GlobalTest"}, sms_json=None)
    assert type(make_app(tmp_path).getElement("SMS.G")) is GlobalTest


def test_registering_a_non_element_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a subclass"):
        make_app(tmp_path).register_type("SMS.X", dict)


def test_from_env_rejects_a_missing_directory(tmp_path):
    with pytest.raises(ConfigError, match="is not a directory"):
        App.from_env({"SMS_ELEMENTS_SOURCE": str(tmp_path / "absent")})


def test_examples_load_with_embedded_defaults():
    element = App.from_env({}).getElement("SMS.Default")
    assert isinstance(element, SmsAliyun)


def test_sms_error_carries_code_and_provider_fields():
    error = SmsError("boom", provider_code="isv.X", request_id="RID")
    assert (error.code, error.provider_code, error.request_id) == (46001, "isv.X", "RID")
    assert "isv.X" in str(error) and "RID" in str(error)
