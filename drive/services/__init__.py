"""Drive services: items (folders, names, moves), files (bodies, versions, quotas), trash, sharing."""
