"""Sub-commands of `did`: each module here defines one click command named `command`."""
