//! Madang's integration tests live in tests/.
