"""The directory of overseas after-sales service outlets, per manufacturer and country."""
