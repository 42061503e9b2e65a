"""Sensor fusion: association, localisation and launch-impact pairing (pure, numpy)."""
