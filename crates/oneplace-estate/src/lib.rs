//! The shared public estate: every partner's property in one register.
