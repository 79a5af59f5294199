"""Public verification of letters: the QR page, manual and PDF checks, the JSON API, the
published keys and the scan log."""
