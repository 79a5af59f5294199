"""After-Sales Service Confirmation letters, in four sub-packages by what they hold.

``keys`` (seal keys, signing certificates, the master key and the Portal's authority),
``document`` (what a letter says and how it is drawn: content, fonts, flowables, seal image,
QR symbol, PDF; no database, no Flask), ``lifecycle`` (orders, checks, issuance, numbering,
rendering from stored data, revocation, settings and their pages) and ``batches`` (issue jobs,
their runner and pages). Imports go one way: ``batches`` -> ``lifecycle`` -> ``keys`` and
``document``.
"""
