"""The offline console and its in-process Bot API: the terminal session (with the demo
roster), LocalRequest (recording Bot API) and LocalChat (builds updates); the handler
tests and benches drive the bot through the last two. Imports the ops wing.
"""
