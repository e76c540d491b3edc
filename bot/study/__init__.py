"""Study rules: what cadres type when they log study, and what it counts for (targets, study
years, pro-rata pace, many people's standing). Imports no other wing.
"""
