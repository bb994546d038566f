//! A hook that opens a TCP connection to its `addr` setting and reports `OK`/`ERR`, so tests can
//! show that without a grant it is refused at load time and with one it reaches only the
//! granted addresses.

use std::net::TcpStream;

use cchost_sdk::{Event, Hook, Response, export_hook, settings};

struct HostileNet;

impl Hook for HostileNet {
    fn handle(_event: Event) -> Result<Response, String> {
        let addr = settings::get::<String>("addr")?.ok_or("setting `addr` is required")?;
        let message = match TcpStream::connect(&addr) {
            Ok(_) => format!("OK connected to {addr}"),
            Err(e) => format!("ERR {e}"),
        };
        Ok(Response::none().with_system_message(message))
    }
}

export_hook!(HostileNet);
