"""Lineage views of provenance graphs."""
