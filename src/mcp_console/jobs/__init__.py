"""Background jobs: the ARQ worker and the queue the API enqueues into."""
