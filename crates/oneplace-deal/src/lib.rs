//! The reform deal between a place and central government.
