//! The legacy SSE transport against real servers.
