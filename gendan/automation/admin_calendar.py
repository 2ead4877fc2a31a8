"""Admin configuration screens."""
