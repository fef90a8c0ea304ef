"""Placements are managed in the app itself (role checks, rules); no admin pages."""
