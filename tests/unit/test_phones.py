import pytest

from shared.errors import InvalidParameterError
from shared.sms.phones import mask_phone, normalize_phone, normalize_phone_list


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        (" 138 0013 8000 ", "13800138000"),
        ("(+86) 19912345678", "19912345678"),
        (13800138000, "13800138000"),
    ],
)
def test_normalize_accepts_mainland_forms(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "12800138000", "1380013800", "138001380001", "+1 4155552671", "abc13800138000", True, None, 1.5, []],
)
def test_normalize_rejects_non_mainland_mobile(raw):
    with pytest.raises(InvalidParameterError) as info:
        normalize_phone(raw)
    assert info.value.code == 46001


@pytest.mark.parametrize(
    "raw",
    ["13７00070001", "137٠0070001", "13８00138000", "1380013800０", "+86１３８００１３８０００",
     "１３８００１３８０００"],
)
def test_only_ascii_digits_make_a_number(raw):
    """Unicode digits would count as a second number with fresh limits, and be texted."""
    with pytest.raises(InvalidParameterError, match="not a mainland mobile number"):
        normalize_phone(raw)


@pytest.mark.parametrize("raw", [10**5000, -13800138000, 0, 10**16 + 13800138000],
                         ids=["huge", "negative", "zero", "17 digits"])
def test_ints_outside_any_number_are_46001_not_a_crash(raw):
    with pytest.raises(InvalidParameterError, match="not a mainland mobile number"):
        normalize_phone(raw)


def test_list_deduplicates_keeping_first_order():
    assert normalize_phone_list(["13900139000", "+86 138 0013 8000", "13900139000", "13800138000"]) == [
        "13900139000",
        "13800138000",
    ]


def test_plain_list_deduplicates_keeping_first_order():
    assert normalize_phone_list(["13900139000", "13800138000", "13900139000"]) == ["13900139000", "13800138000"]


@pytest.mark.parametrize("item", ["13800138000,13900139000", "13800138000,", "1380013800", "13８00138000"])
def test_an_item_that_is_not_one_plain_number_is_refused_by_its_index(item):
    """An item holding two numbers must not pass the one-match check for plain lists as two."""
    with pytest.raises(InvalidParameterError) as info:
        normalize_phone_list(["13700137000", item, "13600136000"])
    assert "phoneList[1]" in info.value.message


@pytest.mark.parametrize(("value", "fragment"), [(None, "required"), ([], "empty"), ("13800138000", "list")])
def test_list_rejects_missing_empty_or_not_a_list(value, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        normalize_phone_list(value)


def test_list_of_more_than_ten_thousand_entries_is_refused_before_any_is_read():
    normalize_phone_list(["13800138000"] * 10_000)
    with pytest.raises(InvalidParameterError, match=r"phoneList has 10001 entries; at most 10000"):
        normalize_phone_list(["13800138000"] * 10_001)


def test_list_error_names_the_index_and_masks_the_number():
    with pytest.raises(InvalidParameterError) as info:
        normalize_phone_list(["13800138000", "12345678901"])
    assert "phoneList[1]" in info.value.message
    assert "12345678901" not in info.value.message


def test_mask_keeps_three_and_four_digits():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "****"
