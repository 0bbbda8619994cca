"""Governance questions answered over any store: lineage, authority, impact, scores."""
