"""WhatsApp Cloud API webhook bodies for tests: one incoming message from a citizen to an office number."""


def incoming_message(*, business: str, sender: str, wamid: str, kind: str, content: dict) -> dict:
    """The webhook body Meta posts for one message of `kind` ("text", "image", "document"...)
    from `sender` to the office number `business` (digits only, as Meta writes them)."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": business, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Budi"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": wamid, "timestamp": "1760000000", "type": kind, kind: content}],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }
