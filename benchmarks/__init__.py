"""Benchmarks: figures printed side by side with wrangler; nothing here is a test."""
