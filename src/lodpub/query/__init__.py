"""Query access: the store interface, the embedded engine and its limits, query checks.

Everything that runs a SPARQL query goes through ``store.Store``; nothing outside this package
knows the engine.
"""
