"""Secrets: the key fingerprint, the per-exchange `Redactor`, byte-safe text helpers and the
one list of places credentials travel. Below diagnosis and output; imports neither.
"""
