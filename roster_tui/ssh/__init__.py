"""The SSH service: the console, commands and the HR drop folder over SSH."""
