"""Running an instance: log format, Prometheus metrics, the /healthz + /metrics listener, errors
told to the operators' chat, updates at once in chat order, the notes key at start, and
knowledge changes reaching every instance. Imports no other wing.
"""
