"""Runnable examples of fastcors' opt-in features."""
