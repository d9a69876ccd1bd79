"""The database side: models, loading the registry, what each process keeps, record writes, the
audit log and user accounts. Imports the core; never the web or the command line."""
