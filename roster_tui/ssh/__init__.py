"""``roster ssh``: an SSH server that is the roster (keys only, no shell), each person acting as themselves."""
