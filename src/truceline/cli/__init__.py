"""The command line (an edge): parse arguments, call a service, print with rich."""
