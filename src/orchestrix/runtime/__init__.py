"""The local runtime: executor, static checks, the data store and the services a run uses."""
