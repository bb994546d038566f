//! The legacy HTTP+SSE transport (protocol 2024-11-05): a GET event stream that first names the
//! endpoint to POST messages to, then carries the server's messages.
