"""End-to-end tests: cadrebot against a local Bot API emulator (see README.md)."""
