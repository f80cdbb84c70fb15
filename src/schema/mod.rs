//! Schemas: datatypes (ubox `validate_data` language), validation and
//! migrations (issue: schema versions, validation and migrations).
#![forbid(unsafe_code)]

pub mod datatypes;
