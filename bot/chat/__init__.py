"""The chat's shared vocabulary for handlers: the command registry and menus, safe HTML and
splitting, multi-step flows kept in the database, and ids read from buttons and commands."""
