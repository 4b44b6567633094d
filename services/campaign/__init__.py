"""The campaign service: lifecycle, membership, managers, sponsors, tags and coin policy."""
