"""lodpub: publish a policy document's facts as validated, cited linked open data."""

__version__ = "0.1.0"
