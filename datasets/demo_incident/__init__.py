"""The demo incident generator's modules (run ``generate.py``; see README.md)."""
