"""The words svcops accepts for a record's choices, each list defined once."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput

CHANNELS = ("phone", "email", "chat", "portal", "in_person", "monitoring")
UNATTENDED_CHANNELS = ("monitoring",)  # nobody contacted anyone: no first contact is logged
DIRECTIONS = ("inbound", "outbound")
DELIVERY_MODELS = ("customer_service", "support", "product_delivery")
HOLD_REASONS = ("awaiting_customer", "awaiting_vendor", "awaiting_change", "awaiting_problem")


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `allowed`, else an InvalidInput naming the choices."""
    cleaned = value.strip().lower()
    if cleaned not in allowed:
        raise InvalidInput(f"unknown {what} {value!r}", hint=f"{what}s: " + ", ".join(allowed))
    return cleaned
