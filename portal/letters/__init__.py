"""After-Sales Service Confirmation letters: keys, issuance, the PDF and the lifecycle."""
