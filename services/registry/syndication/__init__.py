"""What portals subscribe to and download (issue 15, item 5): Atom feeds of notices, new registrations and price
changes, CSV/XLSX exports of the public catalogue and the price list, and the public record list behind the
console's sitemap. Public records only (Arts. 6, 12, 19; DOMAIN §3 明码标价)."""
