"""Plumbing shared by the users and products services (shipped as the CommonLayer)."""
