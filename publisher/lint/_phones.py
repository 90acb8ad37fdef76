"""Phone numbers that do not parse, or whose link would dial something else than it shows.
A wrong number in an appeal sends a witness or a victim nowhere: these are errors."""

from __future__ import annotations

from publisher.domain.phones import find_numbers, parse_number
from publisher.domain.record import Contact, ContactList
from publisher.lint._context import Context, UnitKind, quote, units
from publisher.lint._finding import Finding

__all__ = ["check_phone_numbers"]


def _contact_findings(ctx: Context, contact: Contact, field: str) -> list[Finding]:
    if not contact.is_number:
        return []
    parsed = parse_number(contact.value)
    if not parsed.valid:
        return [
            ctx.finding(
                "phone-unparsed",
                "error",
                f"The number for {contact.name}, {quote(contact.value)}, is not a phone number "
                f"we can dial: {parsed.problem}.",
                "Check the number against the original and write it in full, with the area "
                "code, e.g. '0800 085 3481', or as a short code such as 101.",
                field,
            )
        ]
    shown = parse_number(contact.display)
    if not shown.valid or shown.value == parsed.value:
        return []
    return [
        ctx.finding(
            "phone-mismatch",
            "error",
            f"{contact.name} is shown as {quote(contact.display)} but the link dials "
            f"{quote(parsed.display)}.",
            "Make the number shown and the number dialled the same: check both against the "
            "original.",
            field,
        )
    ]


def check_phone_numbers(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    reported: set[tuple[str, str]] = set()
    for unit in units(ctx.appeal):
        if unit.kind is UnitKind.LABEL and unit.field.endswith(".name"):
            continue  # a contact's name; its number is checked below
        for found in find_numbers(unit.text):
            if found.valid or (unit.field, found.written) in reported:
                continue
            reported.add((unit.field, found.written))
            findings.append(
                ctx.finding(
                    "phone-unparsed",
                    "error",
                    f"{quote(found.written)} looks like a phone number but is not one: "
                    f"{found.problem}.",
                    "Check the number against the original and write it in full, with the "
                    "area code and spaces in the usual places, e.g. '0808 802 4040'.",
                    unit.field,
                )
            )
        for span in unit.spans:
            if span.contact is not None:
                findings.extend(_contact_findings(ctx, span.contact, unit.field))
    for index, block in enumerate(ctx.appeal.body):
        if isinstance(block, ContactList):
            for number, contact in enumerate(block.contacts):
                field = f"body[{index}].contacts[{number}]"
                findings.extend(_contact_findings(ctx, contact, field))
    return findings
