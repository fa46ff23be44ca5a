"""The join link as a QR code, rendered on the server as an SVG data URI (CSP allows data: images)."""

from __future__ import annotations

import segno


def qr_data_uri(url: str) -> str:
    # Medium error correction survives a projector's glare; a border of 4 modules is the spec's quiet zone.
    return str(segno.make(url, error="m").svg_data_uri(scale=6, border=4, dark="#111111", light="#ffffff",
                                                      title="Join link QR code"))
