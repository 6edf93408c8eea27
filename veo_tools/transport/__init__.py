"""The wire underneath every protocol: the HTTP client, the status-to-error map and downloads."""
