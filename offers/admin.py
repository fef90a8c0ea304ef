"""Offers and referrals are kept in the app itself (role checks, workflow); no admin pages."""
