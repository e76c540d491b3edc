"""Scheduled work and its delivery: the tick, the planners and renderers of each kind of
delivery (reminders, talk prompts, confirmation re-sends), the engine that sends them
exactly once, the request object under it, the pacer and the graceful stop.
Imports the study and ops wings.
"""
