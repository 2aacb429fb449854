"""HTTP plumbing shared by the blueprints: negotiation, error rendering, links, caching."""
