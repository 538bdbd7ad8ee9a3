//! Who is calling: password hashing, access tokens, the lockout policy, and the request
//! extractors that turn a bearer token into an authenticated user.

pub mod access_cache;
pub mod client;
pub mod extractor;
pub mod lockout_policy;
pub mod password;
pub mod tokens;
