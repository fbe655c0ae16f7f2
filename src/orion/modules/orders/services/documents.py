"""PDFs of invoices and credit notes, rendered with fpdf2 from the document's snapshot
(so a download years later shows what was issued). fpdf2 is imported inside the function:
startup stays light. The core fonts speak Windows-1252 (€, accents, typographic quotes);
a character outside it is printed as "?". Streams are left uncompressed: the files are
small and their text (the number) can be searched."""

from __future__ import annotations

from typing import Any

from orion.kernel.data.money import format_money

ENCODING = "windows-1252"


def _text(value: object) -> str:
    return str(value or "").encode(ENCODING, "replace").decode(ENCODING)


def _rate(basis_points: int | str) -> str:
    value = int(basis_points) / 100
    return f"{value:g} %"


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    """An invoice's or a credit note's PDF (by `snapshot["kind"]`)."""
    from fpdf import FPDF

    currency = snapshot["currency"]

    def money(amount: int) -> str:
        return format_money(amount, currency)

    credit = snapshot.get("kind") == "credit_note"
    title = "Credit note" if credit else "Invoice"
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_compression(False)
    pdf.set_title(_text(f"{title} {snapshot['number']}"))
    pdf.set_author(_text(snapshot["seller"]["name"]))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"{title} {snapshot['number']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    seller = snapshot["seller"]
    issued = snapshot["issued_at"][:10]
    for line in (
        f"{seller['name']} - {seller['store']}",
        f"Issued {issued} - order {snapshot['order_number']}",
        f"Invoice {snapshot['invoice_number']}"
        if credit and snapshot.get("invoice_number")
        else "",
    ):
        if line:
            pdf.cell(0, 6, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    buyer = snapshot["buyer"]
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, "Bill to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    address = buyer.get("address") or {}
    for line in (
        buyer.get("name") or address.get("name"),
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        " ".join(p for p in (address.get("postal_code"), address.get("city")) if p),
        address.get("country"),
        buyer.get("email"),
    ):
        if line:
            pdf.cell(0, 5, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    widths = (30, 70, 15, 25, 15, 30)
    pdf.set_font("helvetica", "B", 9)
    for width, head in zip(widths, ("SKU", "Item", "Qty", "Unit", "VAT", "Amount"), strict=True):
        pdf.cell(width, 7, head, border="B")
    pdf.ln()
    pdf.set_font("helvetica", size=9)
    for line in snapshot["lines"]:
        amount = line.get("line_total", line.get("amount", 0))
        cells = (
            line["sku"],
            line["title"][:45],
            str(line["quantity"]),
            money(line["unit_price"]),
            _rate(line["vat_rate"]),
            money(-amount if credit else amount),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, _text(value))
        pdf.ln()
    pdf.ln(4)

    def total(label: str, amount: int, *, bold: bool = False) -> None:
        pdf.set_font("helvetica", "B" if bold else "", 10)
        pdf.cell(sum(widths[:-1]), 6, _text(label), align="R")
        pdf.cell(widths[-1], 6, _text(money(amount)), new_x="LMARGIN", new_y="NEXT")

    if credit:
        total("Refunded (VAT included)", -snapshot["amount"], bold=True)
    else:
        figures = snapshot["totals"]
        total("Items", figures["items"])
        if figures["discount"]:
            total("Discount", -figures["discount"])
        if figures["shipping"]:
            total(f"Shipping (VAT {_rate(figures['shipping_vat_rate'])})", figures["shipping"])
        total("Total (VAT included)", figures["grand_total"], bold=True)
    sign = -1 if credit else 1
    for rate, group in snapshot["vat_breakdown"].items():
        total(
            f"VAT {_rate(rate)} on {money(sign * group['net'])} net",
            sign * group["vat"],
        )
    return bytes(pdf.output())
