"""Curation: Wikidata link proposals and their review, the Wikidata API client, name matching
and the entity index behind reconciliation."""
