//! Session store tests on real files and real processes: writers killed with SIGKILL, several
//! processes appending at once, a file-size limit, hostile input, and a property test of the
//! line parser.

mod common;
mod crash;
mod hostile;
mod parser;
mod plugin;
mod processes;
mod writer;
