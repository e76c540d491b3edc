"""Digests, exports and the gaps listing: figures from the database, then their renderings
(data, phone-screen pages, a PNG chart with its font, .xlsx) and the weekly digest as a
delivery. Imports the scheduling and study wings.
"""
