"""Demo content on top of the demo organisations: outlets abroad, requests in every state
and one issued letter, so every page and the verification have something to show."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.clock import today_in_china
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.requests_link import mark_request_issued, order_for_request
from portal.outlets.models import Outlet
from portal.outlets.service import create_outlet
from portal.requests.models import LetterRequest
from portal.requests.service import ExporterIdentity, create_request
from portal.requests.transitions import approve_request
from portal.requests.vetting import VehicleInput, load_addressee, vet_vehicle
from portal.vehicles.vin import check_digit

OUTLETS = [
    (
        "KZ-ALA-01",
        "KZ",
        "Almaty",
        "Сервисный центр Хуася Алматы",
        "Huaxia Service Almaty",
        "пр. Райымбека 221",
        "050000",
        "+7 727 356 0101",
    ),
    (
        "KZ-AST-01",
        "KZ",
        "Astana",
        "Хуася Сервис Астана",
        "Huaxia Service Astana",
        "ул. Сыганак 60",
        "010000",
        "+7 7172 55 0202",
    ),
    (
        "RU-MOW-01",
        "RU",
        "Москва",
        "Хуася Моторс Москва",
        "Huaxia Motors Moscow",
        "Варшавское шоссе 132",
        "117587",
        "+7 495 123 4567",
    ),
    (
        "AE-DXB-01",
        "AE",
        "Dubai",
        "مركز خدمة هواشيا دبي",
        "Huaxia Service Centre Dubai",
        "Al Quoz Industrial Area 3",
        "00000",
        "+971 4 321 0000",
    ),
    (
        "DE-BER-01",
        "DE",
        "Berlin",
        "Huaxia Service Berlin",
        "Huaxia Service Berlin",
        "Landsberger Allee 400",
        "12681",
        "+49 30 1234567",
    ),
]


def _vin(wmi: str, serial: int) -> str:
    text = f"{wmi}AB12C0SA{serial:06d}"
    return text[:8] + check_digit(text) + text[9:]


def seed_outlets(session: Session, manufacturer: Organisation, actor: User) -> None:
    """Adds the demo outlets the manufacturer does not have yet."""
    have = set(
        session.scalars(sa.select(Outlet.code).where(Outlet.manufacturer_id == manufacturer.id))
    )
    brands = ";".join(brand.name for brand in manufacturer.brands)
    for code, country, city, local, latin, address, postcode, phone in OUTLETS:
        if code in have:
            continue
        create_outlet(
            session,
            manufacturer=manufacturer,
            actor=actor,
            raw={
                "outlet_code": code,
                "country": country,
                "city": city,
                "name_local": local,
                "name_latin": latin,
                "address": address,
                "postcode": postcode,
                "phone": phone,
                "service_types": "repair;maintenance;spare_parts;warranty",
                "brands": brands,
                "active_from": "2026-01-01",
            },
        )


def seed_requests(
    session: Session,
    manufacturer: Organisation,
    exporter: Organisation,
    exporter_user: User,
    issuer: User,
) -> None:
    """Adds four requests (submitted, approved, issued with its letter, draft) once."""
    if session.scalar(sa.select(LetterRequest.id).where(LetterRequest.exporter_id == exporter.id)):
        return
    today = today_in_china()
    addressee = load_addressee(session, manufacturer.id, today=today)
    made = []
    for serial, country in enumerate(("KZ", "RU", "AE", "KZ"), start=1):
        vehicle = vet_vehicle(
            addressee,
            VehicleInput(
                brand_id=manufacturer.brands[0].id,
                country=country,
                model="Huaxia S7 EV",
                vin=_vin(manufacturer.wmis[0].code, serial),
                registration_date=today - timedelta(days=40 + serial),
                transfer_registration_date=today - timedelta(days=5),
            ),
        )
        made.append(
            create_request(
                session,
                vehicle=vehicle,
                addressee=addressee,
                exporter=ExporterIdentity(organisation=exporter),
                actor=exporter_user,
                submit=serial != 4,
            )
        )
    approve_request(session, made[1], actor=issuer)
    approve_request(session, made[2], actor=issuer)
    letter = issue_letter(
        session, order_for_request(made[2]), issuance_context(current_app, issuer)
    )
    mark_request_issued(session, made[2], letter, actor=issuer)
