"""A letter from order to revocation: checks, number, issuance, the rendered and signed PDF,
search, revocation, the letter settings and their pages."""
