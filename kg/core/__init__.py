"""The foundation everything in kg stands on: settings, errors, the connection type and the database handle.

Nothing here imports another kg package, schema/, queries/, importers/ or api/ (import-linter checks it).
"""
