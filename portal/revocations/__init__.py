"""The Portal authority's signed revocation list of letters, and the Ed25519 key it is
signed with (published in the key set beside the manufacturers' letter keys)."""
