"""Letter requests: exporters ask manufacturers for confirmations, manufacturers review them."""
