"""The doors into RAIDT provenance: the `raidt` command line and the HTTP service."""
