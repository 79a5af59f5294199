"""Tests for portal.vehicles.vin: normalising, validating and owning VINs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vininfo import Vin

from portal.vehicles.vin import (
    ALPHABET,
    TRANSLITERATION,
    VinError,
    VinErrorCode,
    check_digit,
    ensure_wmi_owned,
    manufacturer_identifier,
    normalise_vin,
    validate_vin,
    wmi,
)

# Real VINs, published in public sources; every check digit was recomputed by hand from the
# ISO 3779 table and agrees with vininfo. Chinese VINs (WMI starting with L) come first.
REAL_VINS = {
    # BYD Song Plus 2025, used-car listing 37882559 on auto.ria.com.
    "LGXCE4CB6S0134553": "LGX",
    # BYD, the example VIN of a published parts-catalogue (EPC) lookup script.
    "LGXCE4CB2R2001416": "LGX",
    # SAIC MG, quoted in a published capture of the MG app's remote-lock messages.
    "LSJWJ4W90SZ187922": "LSJ",
    # SAIC, three vehicles listed in a published vehicle-trajectory data generator.
    "LSJW26767ES060790": "LSJ",
    "LSJW26764FS014660": "LSJ",
    "LSJW26766ES056701": "LSJ",
    # Geely Emgrand, a published driving-licence lookup response (registered 2015-08-26);
    # its check digit is X.
    "L6T7824ZXFN033628": "L6T",
    # Geely, the test vehicle of a published over-the-air update test script.
    "L6T79P2N2PP002437": "L6T",
    # Geely, the default of a published VIN encoding tool.
    "L6T79P4N7RD091732": "L6T",
    # Chery, the example of a published parts-catalogue query.
    "LVVDB12A6DD201624": "LVV",
    # Chery Tiggo 2013, a published Peruvian vehicle-register record.
    "LVVDB11B9DD106355": "LVV",
    # Mercury, the worked check-digit example of the Wikipedia article on VINs (and of
    # vininfo's own tests); check digit X.
    "1M8GDM9AXKP042788": "1M8",
    # Honda Accord 2003, a widely quoted example VIN.
    "1HGCM82633A004352": "1HG",
    # Nissan 2003, the valid example in the README of lucasdavila/vin_checker.
    "JN1DA31D63T505967": "JN1",
    # BMW, from vininfo's tests; its model-year character is 0.
    "WBA71DC010CH14720": "WBA",
    # Tesla Model 3 2019 and Ford Mustang Mach-E 2021, auto.ria.com listings 38236391 and
    # 35599187; the Ford's check digit is X.
    "5YJ3E1EB6KF433423": "5YJ",
    "3FMTK3SUXMMA45812": "3FM",
}

vin_characters = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


def with_check_digit(text: str) -> str:
    """Return `text` with its computed check digit in position 9."""
    return text[:8] + check_digit(text) + text[9:]


def substitute(vin: str, position: int, char: str) -> str:
    """Return `vin` with the character at 1-based `position` replaced."""
    return vin[: position - 1] + char + vin[position:]


@pytest.mark.parametrize("vin", REAL_VINS)
def test_real_vins_validate(vin: str) -> None:
    assert validate_vin(vin) == vin
    assert check_digit(vin) == vin[8]
    # Independent implementation; check_year=False because it refuses some model-year codes.
    assert Vin(vin).verify_checksum(check_year=False)


@pytest.mark.parametrize(("vin", "expected"), REAL_VINS.items())
def test_wmi_is_the_first_three_characters(vin: str, expected: str) -> None:
    assert wmi(vin) == expected


def test_enough_real_chinese_vins() -> None:
    chinese = [vin for vin in REAL_VINS if vin.startswith("L")]
    assert len(chinese) >= 10
    assert {"LGX", "LSJ", "L6T", "LVV"} <= {vin[:3] for vin in chinese}


@pytest.mark.parametrize(
    "typed",
    [
        "lgxce4cb6s0134553",
        "  LGXCE4CB6S0134553\n",
        "LGX CE4CB6 S0134553",
        "LGX-CE4CB6-S0134553",
        "\tlgx ce4-cb6 s01 34553 ",
        "ＬＧＸＣＥ４ＣＢ６Ｓ０１３４５５３",  # full width, as a Chinese input method types it
    ],
)
def test_typing_variants_are_normalised(typed: str) -> None:
    assert normalise_vin(typed) == "LGXCE4CB6S0134553"
    assert validate_vin(typed) == "LGXCE4CB6S0134553"


@pytest.mark.parametrize("text", ["LGXCE4CB6S013455", "LGXCE4CB6S01345533", ""])
def test_wrong_length_is_refused(text: str) -> None:
    with pytest.raises(VinError) as caught:
        validate_vin(text)
    assert caught.value.code is VinErrorCode.LENGTH
    assert caught.value.found == str(len(text))
    assert f"{len(text)} characters were given" in caught.value.message


def test_length_is_counted_after_normalising() -> None:
    with pytest.raises(VinError) as caught:
        validate_vin("LGX CE4 CB6 S013 455")
    assert caught.value.code is VinErrorCode.LENGTH
    assert caught.value.found == "16"


@pytest.mark.parametrize(
    ("text", "position", "char"),
    [
        ("1M8GDM9AXKP04278O", 17, "O"),  # letter O instead of the digit 0
        ("IM8GDM9AXKP042788", 1, "I"),
        ("1M8GDM9AXKPQ42788", 12, "Q"),
        ("lgxce4cb6s0134553".replace("0", "o"), 11, "O"),
        ("1M8GDM9AXKP04278*", 17, "*"),
        ("LGXCE4CB6S013455É", 17, "É"),
        ("LGX_E4CB6S0134553", 4, "_"),
    ],
)
def test_forbidden_characters_are_named_with_position(text: str, position: int, char: str) -> None:
    with pytest.raises(VinError) as caught:
        validate_vin(text)
    error = caught.value
    assert error.code is VinErrorCode.CHARACTERS
    assert (error.position, error.character) == (position, char)
    assert f"Character {position} " in error.message
    assert repr(char) in error.message


def test_i_o_q_message_suggests_digits() -> None:
    with pytest.raises(VinError, match="did you mean 1 or 0"):
        validate_vin("1M8GDM9AXKP04278O")


def test_wrong_check_digit_says_expected_and_found() -> None:
    with pytest.raises(VinError) as caught:
        validate_vin("1M8GDM9A1KP042788")
    error = caught.value
    assert error.code is VinErrorCode.CHECK_DIGIT
    assert (error.expected, error.found, error.position) == ("X", "1", 9)
    assert "'X'" in error.message
    assert "'1'" in error.message


def test_check_digit_can_be_skipped_but_not_the_rest() -> None:
    assert validate_vin("1M8GDM9A1KP042788", require_check_digit=False) == "1M8GDM9A1KP042788"
    with pytest.raises(VinError) as caught:
        validate_vin("1M8GDM9A1KP04278O", require_check_digit=False)
    assert caught.value.code is VinErrorCode.CHARACTERS


def test_check_digit_ignores_what_position_9_holds() -> None:
    assert check_digit("1M8GDM9A0KP042788") == "X"
    assert check_digit("lgxce4cb-0s0134553") == "6"


def test_vin_error_is_a_value_error() -> None:
    assert issubclass(VinError, ValueError)


@pytest.mark.parametrize("vin", REAL_VINS)
def test_every_single_substitution_is_caught_unless_the_value_is_the_same(vin: str) -> None:
    """A mistyped character changes the sum by weight x difference of values, mod 11.

    11 is prime and the weights are 2-10 (never a multiple of 11) except at position 9, so a
    substitution goes unnoticed exactly when both characters have the same transliterated
    value: A, J and 1 are all worth 1, B, K, S and 2 are all worth 2, and so on. Position 9
    has weight 0 but is the check digit itself: any change there is caught by the comparison.
    """
    for position in range(1, 18):
        original = vin[position - 1]
        for char in ALPHABET.replace(original, ""):
            typo = substitute(vin, position, char)
            same_value = TRANSLITERATION[char] == TRANSLITERATION[original]
            if position != 9 and same_value:
                assert validate_vin(typo) == typo
                continue
            with pytest.raises(VinError) as caught:
                validate_vin(typo)
            assert caught.value.code is VinErrorCode.CHECK_DIGIT


def test_same_value_substitution_examples() -> None:
    # The documented blind spot: letters that share a value with another character.
    assert validate_vin("1M8GDM9AXKP042788".replace("A", "J"))
    assert validate_vin("1M8GDM9AXKP042788".replace("KP", "2P"))


@given(vin_characters)
def test_computed_check_digit_always_validates(text: str) -> None:
    vin = with_check_digit(text)
    assert validate_vin(vin) == vin


@given(vin_characters)
def test_check_digit_agrees_with_vininfo(text: str) -> None:
    vin = with_check_digit(text)
    # vininfo skips the check for brands it knows do not use it (Ford Australia).
    if getattr(Vin(vin).assembler, "uses_sae_checkdigit", True):
        assert Vin(vin).verify_checksum(check_year=False)


@given(vin_characters, st.sampled_from(ALPHABET.replace("X", "")))
def test_any_other_check_digit_is_refused(text: str, digit: str) -> None:
    vin = with_check_digit(text)
    if vin[8] == digit:
        return
    with pytest.raises(VinError) as caught:
        validate_vin(substitute(vin, 9, digit))
    assert caught.value.code is VinErrorCode.CHECK_DIGIT


def test_owned_wmi_is_accepted() -> None:
    ensure_wmi_owned("LGXCE4CB6S0134553", ["LC0", "LGX"])
    ensure_wmi_owned("lgxce4cb6s0134553", {"lgx"})


def test_foreign_wmi_is_refused_and_named() -> None:
    with pytest.raises(VinError) as caught:
        ensure_wmi_owned("L6T7824ZXFN033628", ["LGX", "LC0"])
    assert caught.value.code is VinErrorCode.FOREIGN_WMI
    assert caught.value.wmi == "L6T"
    assert "L6T" in caught.value.message


def test_no_owned_wmi_refuses_everything() -> None:
    with pytest.raises(VinError) as caught:
        ensure_wmi_owned("LGXCE4CB6S0134553", [])
    assert caught.value.code is VinErrorCode.FOREIGN_WMI


def test_ownership_check_validates_the_vin_first() -> None:
    with pytest.raises(VinError) as caught:
        ensure_wmi_owned("LGXCE4CB6S013455", ["LGX"])
    assert caught.value.code is VinErrorCode.LENGTH


def test_small_manufacturer_needs_positions_12_to_14() -> None:
    # Constructed, not a real vehicle: WMI "LA9" is shared by small manufacturers.
    vin = with_check_digit("LA9AB12C0S1XYZ001")
    assert manufacturer_identifier(vin) == "LA9XYZ"
    ensure_wmi_owned(vin, ["LA9XYZ"])
    for owned in (["LA9"], ["LA9ABC"]):
        with pytest.raises(VinError) as caught:
            ensure_wmi_owned(vin, owned)
        assert caught.value.wmi == "LA9XYZ"


def test_large_manufacturer_identifier_is_the_wmi() -> None:
    assert manufacturer_identifier("LGXCE4CB6S0134553") == "LGX"
