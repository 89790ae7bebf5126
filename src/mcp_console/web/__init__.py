"""Server-rendered UI; talks to the API only over HTTP, through its public contract."""
