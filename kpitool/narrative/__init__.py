"""Figures inside the 実績 narrative: extract them, check them against 実績数値, import them."""
