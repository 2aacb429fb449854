"""Page models: what each page and document shows, built from the store (no HTTP here)."""
