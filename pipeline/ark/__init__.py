"""The Seedance / Ark video-generation tasks API: client, typed results, and the local server."""
