"""Letters issued in batches: issue jobs, the runner that works them off, and their pages."""
