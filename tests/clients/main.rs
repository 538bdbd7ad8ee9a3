//! Clients and fuzzers that an integrator or an operator would point at the server, run
//! against a real one on a free port: clients generated from the served OpenAPI document
//! (`generated`). External tools come from `tests/clients/install.sh`; without them these tests
//! pass with a loud SKIPPED banner, unless `REQUIRE_TOOLS=1` (CI) makes that a failure.

mod fuzzing;
mod generated;
mod server;
mod tools;
