"""How values are worded on the letter: dates in Chinese and English, fuel types as words,
phone numbers in international format, and the verification address a person types."""

from __future__ import annotations

from datetime import date

import phonenumbers

__all__ = ["FUEL_WORDS", "date_en", "date_zh", "fuel_words", "phone_international", "typed_address"]

FUEL_WORDS = {
    "petrol": ("汽油", "Petrol"),
    "diesel": ("柴油", "Diesel"),
    "hev": ("油电混合动力", "Hybrid electric (HEV)"),
    "phev": ("插电式混合动力", "Plug-in hybrid electric (PHEV)"),
    "bev": ("纯电动", "Battery electric (BEV)"),
    "other": ("其他", "Other"),
}
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def fuel_words(code: str | None) -> str:
    """Give back the fuel type as "中文 / English", or the value itself when unknown."""
    if not code:
        return ""
    zh_en = FUEL_WORDS.get(code.lower())
    return f"{zh_en[0]} / {zh_en[1]}" if zh_en else code


def date_zh(day: date) -> str:
    """Give back ``day`` as a Chinese official letter writes it: 2026年7月15日."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_en(day: date) -> str:
    """Give back ``day`` as 15 July 2026."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def phone_international(phone: str | None, country: str) -> str:
    """Give back ``phone`` in international format (+971 4 123 4567), read in the outlet's
    country when it has no country code; text that is no phone number comes back as it is."""
    text = (phone or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, country.upper())
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def typed_address(verification_url: str) -> str:
    """Give back the verification page a person types the number and code into, without
    its scheme: HTTPS://PORTAL.EXAMPLE.CN/V/TOKEN gives portal.example.cn/verify."""
    base = verification_url.rsplit("/V/", 1)[0].lower()
    for scheme in ("https://", "http://"):
        base = base.removeprefix(scheme)
    return f"{base}/verify"
